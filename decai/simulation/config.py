"""What defines one simulation run, and the data it runs on.

`SimulationConfig` holds every setting (money in wei, times in seconds);
`prepare_experiment` loads, splits and encodes the data and trains the
initial model (`decai.simulation.data`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from decai.core.mechanisms import DepositParameters, PointsParameters
from decai.data.datasets import built_in_kind
from decai.errors import DecaiError
from decai.models.base import model_class
from decai.models.measured import DEFAULT_TEXT_MODEL
from decai.simulation.agents import UNIT, AgentSpec, default_agents, make_agents
from decai.simulation.data import DEFAULT_DATASET, Prepared, load_dataset, prepare
from decai.units import DAY, HOUR

#: Gas limit sent with every simulated transaction, so that no estimate is
#: needed (an addition of 128 features to a perceptron stays far below). A
#: node wants this limit times the fee in the sender's account up front.
TX_GAS_LIMIT = 1_000_000
#: Samples checked on chain against the reference model at each evaluation
#: of a model that has no batch prediction.
SPOT_CHECKS = 16


@dataclass
class SimulationConfig:
    """Everything that defines one run (money in wei, times in seconds)."""

    dataset: str = DEFAULT_DATASET
    label_column: str = "label"
    text_column: str | None = None
    #: Naive Bayes keeps most of what the crowd's data can teach and holds
    #: under attack (docs/SIMULATION.md, decai.models.measured).
    model_type: str = DEFAULT_TEXT_MODEL
    mechanism: str = "deposit"
    agents: list[AgentSpec] = field(default_factory=default_agents)
    #: Time during which agents add data: at the default cadences, four
    #: weeks use the Rotten Tomatoes pool about once (the original ran until
    #: its data ran out).
    duration_s: int = 28 * DAY
    seed: int = 1
    test_fraction: float = 0.2
    max_test: int | None = 1000
    initial_fraction: float = 0.08
    vocabulary_size: int = 1000
    #: The on-chain step of the model's updates, relative to its off-chain
    #: training's (`Model.set_step`); None: the model type's default for the
    #: data's kind (`Model.default_step_for`), resolved here for a built-in
    #: data set and by `prepare_experiment` for a CSV once it is read.
    learning_rate: float | None = None
    refund_wait_s: int = DAY
    owner_claim_wait_s: int = 9 * DAY
    any_address_claim_wait_s: int = 9 * DAY
    #: 0.3 units: a deposit costs 45 units after 10 quiet minutes, 76 after 4.
    cost_weight: int = 3 * UNIT // 10
    eval_interval_s: int = 6 * HOUR
    record_interval_s: int = HOUR
    #: After `duration_s`, nobody adds data; claims go on until nothing is
    #: left to claim (every contribution past the any-address wait).
    settle: bool = True
    #: Check each claim before sending it, so that no doomed transaction is sent.
    precheck: bool = True
    #: How transactions reach the chain: "rpc" (raw signed transactions over
    #: JSON-RPC, fast) or "sdk" (decai.chain.trainer.Trainer through Ape, as scripts do).
    transport: str = "rpc"
    #: Wei per gas every transaction pays (decai.simulation.fees); 0: gas is
    #: free, as on the local anvil.
    gas_price: int = 0
    #: Keep a class with one row or under 1% of a CSV's rows (`decai.data.files`).
    allow_small_classes: bool = False

    def __post_init__(self) -> None:
        kind = built_in_kind(self.dataset)
        if self.learning_rate is None and kind is not None:
            self.learning_rate = model_class(self.model_type).default_step_for(kind)

    def mechanism_parameters(self) -> DepositParameters | PointsParameters:
        if self.mechanism == "points":
            return PointsParameters(refund_wait_s=self.refund_wait_s)
        if self.mechanism != "deposit":
            raise DecaiError(f"unknown mechanism {self.mechanism!r}: deposit or points")
        return DepositParameters(
            refund_wait_s=self.refund_wait_s,
            owner_claim_wait_s=self.owner_claim_wait_s,
            any_address_claim_wait_s=self.any_address_claim_wait_s,
            cost_weight=self.cost_weight,
        )

    def check(self) -> None:
        if self.duration_s <= 0:
            raise DecaiError("the simulated duration must be positive")
        if self.eval_interval_s <= 0 or self.record_interval_s <= 0:
            raise DecaiError("evaluation and record intervals must be positive")
        if not any(spec.contributes for spec in self.agents):
            raise DecaiError("the simulation needs at least one agent that adds data")
        if self.gas_price < 0:
            raise DecaiError("the gas price must not be negative")
        make_agents(self.agents, self.seed)  # distinct names
        self.mechanism_parameters()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["agents"] = [spec.to_dict() for spec in self.agents]
        return data


def prepare_experiment(config: SimulationConfig) -> Prepared:
    config.check()
    dataset = load_dataset(
        config.dataset,
        label_column=config.label_column,
        text_column=config.text_column,
        allow_small_classes=config.allow_small_classes,
    )
    if config.learning_rate is None:
        # A CSV's kind is known only now; the config carries the resolved step
        # to everything that reads it later (the runner, reports, saved configs).
        config.learning_rate = model_class(config.model_type).default_step_for(dataset.kind)
    return prepare(
        dataset,
        config.model_type,
        seed=config.seed,
        test_fraction=config.test_fraction,
        initial_fraction=config.initial_fraction,
        max_test=config.max_test,
        vocabulary_size=config.vocabulary_size,
        learning_rate=config.learning_rate,
    )
