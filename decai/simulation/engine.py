"""The engine of the collaborative-training experiment.

A model trained off chain on a small part of a data set is deployed behind
an incentive mechanism (`decai.simulation.backends`). Agents
(`decai.simulation.agents`) then act on their own clocks: honest ones add
correctly labelled samples (under the deposit mechanism only those the
model would accept once it has learned them, a check anyone can run on a
copy of the public model), adversaries add wrongly labelled ones, free
riders only ask for predictions; contributors claim refunds and take
deposits when the mechanism allows. On the chain backend every action is a
real transaction signed by the agent's own account and mined at the
simulated time (the next block's timestamp is set before each one). After
`duration_s` nobody adds data any more and (with `settle`) the agents go
on claiming until nothing is left. The model's accuracy on a hidden test
split is measured at intervals.

Money is followed per agent from the transactions themselves (deposits,
refunds, takes, and gas from the receipts, `decai.simulation.books`), so
the balances are known even if the chain goes away; at the end each
tracked balance is checked against the account's real balance. Balances
are reported **net of gas**; gas is also reported separately.
"""

from __future__ import annotations

import heapq
import random
import time
from typing import Any

from decai.core.mechanisms import PointsParameters, advance_clock, take_forgets
from decai.simulation.agents import FREE_RIDER, REFUND, SWEEP, Agent, make_agents
from decai.simulation.backends import Backend
from decai.simulation.books import (  # noqa: F401 - StopFlag: part of the engine's API
    Book,
    Entry,
    SimulationResult,
    StopFlag,
)
from decai.simulation.config import SimulationConfig
from decai.simulation.data import Prepared

#: Samples an agent that checks its samples draws in one turn before it
#: gives up adding this turn.
CHECK_DRAWS = 20

_ACT, _CLAIM, _RECORD, _EVALUATE, _STOP_ADDING, _END = "act", "claim", "record", "evaluate", "stop-adding", "end"


class Simulation:
    """Runs the agents against a backend over simulated time."""

    def __init__(self, config: SimulationConfig, prepared: Prepared, backend: Backend, *, progress=None):
        self.config = config
        self.prepared = prepared
        self.backend = backend
        self.parameters = config.mechanism_parameters()
        self.points = isinstance(self.parameters, PointsParameters)
        #: Whether takes of rejected samples remove them from the model.
        self.forgets = not self.points and prepared.model.forgets_taken
        self.agents = {agent.name: agent for agent in make_agents(config.agents, config.seed)}
        self.books = {spec.name: Book(spec, backend.addresses[spec.name], spec.start_balance) for spec in config.agents}
        self.progress = progress
        self.entries: dict[bytes, Entry] = {}
        self.open_keys: set[bytes] = set()
        self.series: list[dict[str, Any]] = []
        self.transactions = {"add_data": 0, "refund": 0, "report": 0, "sweep": 0}
        self.problems: list[str] = []
        self._rng = random.Random(f"{config.seed}:engine")
        self._pool_order = list(range(len(prepared.pool[1])))
        self._rng.shuffle(self._pool_order)
        self._pool_next = 0
        self.pool_passes = 1
        self._events: list[tuple[int, int, str, str]] = []
        self._seq = 0
        # The clock: the run starts a second after the backend's latest block.
        self.t0 = backend.start_time() + 1
        self.contributions_end = self.t0 + config.duration_s
        self.now = self.t0
        self.last_tx_time = self.t0 - 1
        self.last_update_time = backend.last_update_time()
        self.contributing = True
        # Measured on the test split when the run starts, and at each evaluation.
        self.accuracy = 0.0
        self.accuracy_initial = 0.0

    # -- scheduling -------------------------------------------------------------------
    def _schedule(self, when: int, kind: str, name: str = "") -> None:
        self._seq += 1
        heapq.heappush(self._events, (int(when), self._seq, kind, name))

    def _tx_time(self, when: int) -> int:
        """Each transaction gets its own second, never before the last one."""
        self.last_tx_time = max(int(when), self.last_tx_time + 1)
        return self.last_tx_time

    # -- data --------------------------------------------------------------------------
    def _next_sample(self) -> tuple[list[int], int]:
        if self._pool_next >= len(self._pool_order):
            self._rng.shuffle(self._pool_order)
            self._pool_next = 0
            self.pool_passes += 1
        index = self._pool_order[self._pool_next]
        self._pool_next += 1
        samples, labels = self.prepared.pool
        return samples[index], labels[index]

    # -- the run -------------------------------------------------------------------------
    @property
    def settle_end(self) -> int:
        """When the settlement is over: every contribution is past the
        any-address wait and every agent has had a claim round since."""
        longest_round = max((spec.claim_interval_s for spec in self.config.agents if spec.contributes), default=0)
        last_wait = getattr(
            self.parameters, "any_address_claim_wait_s", self.parameters.refund_wait_s
        )  # points: no sweeps
        return self.contributions_end + last_wait + longest_round + 1

    @property
    def planned_end(self) -> int:
        return self.settle_end if self.config.settle else self.contributions_end

    def run(self, stop: StopFlag | None = None) -> SimulationResult:
        """Contributions for `duration_s`, then (with `settle`) claims only,
        until nothing is left to claim; returns the result even when stopped
        early."""
        stop = stop or StopFlag()
        started = time.monotonic()
        backend, config = self.backend, self.config
        test_samples, test_labels = self.prepared.test

        self.accuracy = backend.accuracy(test_samples, test_labels)
        self.accuracy_initial = self.accuracy
        self._record(self.t0, evaluated=True)

        for name, agent in self.agents.items():
            self._schedule(self.t0 + agent.next_delay(), _ACT, name)
            if agent.spec.contributes:
                # Each agent's claim rounds start at a random phase of its interval.
                phase = agent.rng.randrange(agent.spec.claim_interval_s)
                self._schedule(self.t0 + phase + 1, _CLAIM, name)
        self._schedule(self.t0 + config.record_interval_s, _RECORD)
        self._schedule(self.t0 + config.eval_interval_s, _EVALUATE)
        self._schedule(self.contributions_end, _STOP_ADDING)

        try:
            while self._events and not stop.requested:
                when, _, kind, name = heapq.heappop(self._events)
                self.now = max(when, self.now)
                if kind == _END:
                    break
                try:
                    self._handle(kind, name, when)
                except KeyboardInterrupt:
                    stop.request("interrupted")
                except Exception:
                    if stop.requested:  # the chain may be gone already (Ctrl-C reaches anvil too)
                        break
                    raise
                if not self.contributing and not self.open_keys:
                    break  # settled: nothing left to claim
                self._show_progress()
        except KeyboardInterrupt:
            stop.request("interrupted")
        interrupted = stop.requested
        self.now = min(self.now, self.planned_end)
        try:
            self.accuracy = backend.accuracy(test_samples, test_labels)
            self._record(self.now, evaluated=True)
        except Exception:
            if not interrupted:
                raise
            self._record(self.now, evaluated=False)  # the chain is gone: keep the last measurement
        return self._result(
            self.now - self.t0, time.monotonic() - started, interrupted, stop.reason, self._check_balances()
        )

    def _handle(self, kind: str, name: str, when: int) -> None:
        if kind == _ACT:
            if not self.contributing:
                return
            agent = self.agents[name]
            if agent.spec.kind == FREE_RIDER:
                self._predict(agent)
                self._schedule(when + agent.next_delay(), _ACT, name)
            else:
                retry = self._act(agent, when)
                self._schedule(retry if retry is not None else when + agent.next_delay(), _ACT, name)
        elif kind == _CLAIM:
            self._claims(self.agents[name], when)
            self._schedule(when + self.agents[name].spec.claim_interval_s, _CLAIM, name)
        elif kind == _RECORD:
            self._record(when, evaluated=False)
            self._schedule(when + self.config.record_interval_s, _RECORD)
        elif kind == _EVALUATE:
            if self.contributing:  # the model does not change while claims settle
                self.accuracy = self.backend.accuracy(*self.prepared.test)
                self._record(when, evaluated=True)
                self._schedule(when + self.config.eval_interval_s, _EVALUATE)
        elif kind == _STOP_ADDING:
            self.contributing = False
            self.accuracy = self.backend.accuracy(*self.prepared.test)
            self._record(when, evaluated=True)
            self._schedule(self.planned_end, _END)

    def _act(self, agent: Agent, when: int) -> int | None:
        """An agent's turn to add data; returns when it retries, if it waits."""
        book = self.books[agent.name]
        now = max(when, self.last_tx_time + 1)
        decision = agent.decide_addition(now, book.balance, self.parameters, self.last_update_time)
        if not decision.add:
            if decision.retry_at is not None:
                book.postponed_price += 1
            else:
                book.postponed_funds += 1
            return decision.retry_at
        drawn = self._checked_sample(agent, book)
        if drawn is None:
            return None
        sample, label = drawn
        now = self._tx_time(now)
        contribution, fee = self.backend.add(agent.name, sample, label, decision.price, now)
        if contribution.deposit != decision.price:
            self.problems.append(
                f"{agent.name}: deposit {contribution.deposit} differs from the expected {decision.price}"
            )
        self.last_update_time = advance_clock(self.last_update_time, now)
        self.transactions["add_data"] += 1
        book.balance -= contribution.deposit + fee
        book.deposited += contribution.deposit
        book.gas += fee
        book.contributions += 1
        entry = Entry(contribution, agent.name, contribution.deposit, points=self.points)
        self.entries[entry.key] = entry
        if entry.open:
            self.open_keys.add(entry.key)
        return None

    def _checked_sample(self, agent: Agent, book) -> tuple[list[int], int] | None:
        """The next sample and the label the agent gives it. An agent that
        checks its samples passes by those the model would still reject
        after learning them (their deposits would be taken, half burned),
        up to CHECK_DRAWS draws; then it adds nothing this turn."""
        checks = agent.spec.checks_samples and not self.points
        for _ in range(CHECK_DRAWS if checks else 1):
            sample, true_label = self._next_sample()
            label = agent.label_for(true_label, self.prepared.num_classes)
            if not checks or self.backend.would_learn(sample, label):
                return sample, label
            book.passed_by += 1
        book.turns_without_a_learnable_sample += 1
        return None

    def _claims(self, agent: Agent, when: int) -> None:
        """An agent's claim round: ask the model about what could be
        claimed, decide, check each claim, send it."""
        book = self.books[agent.name]
        if book.balance < self.backend.upfront_gas_cost:
            book.claim_rounds_without_gas += 1
            return
        now = max(when, self.last_tx_time + 1)
        asked, others = [], []
        for key in sorted(self.open_keys, key=lambda k: self.entries[k].contribution.added_time):
            entry = self.entries[key]
            (asked if agent.wants_prediction(entry.view(), now, self.parameters) else others).append(entry)
        predictions = self.backend.predict_many([list(e.contribution.data) for e in asked])
        # Views without a prediction can only be swept (what is left after the any-address wait).
        views = [e.view(p) for e, p in zip(asked, predictions)] + [e.view() for e in others]
        points_of = {name: other.good for name, other in self.books.items()} if self.points else None
        for claim in agent.choose_claims(now, views, self.parameters, book.good, points_of):
            entry = self.entries[claim.key]
            now = self._tx_time(now)
            problem = self.backend.problem(claim.kind, agent.name, entry.contribution, now)
            if problem is not None:
                book.prechecks_failed += 1
                continue
            first = not entry.refunded and not entry.claimed_by
            amount, burned, fee = self.backend.claim(claim.kind, agent.name, entry.contribution, now)
            book.balance += amount - fee
            book.gas += fee
            if claim.kind == REFUND:
                entry.refunded = True
                entry.claimable = 0
                book.refunds += 1
                book.refunded += amount
                book.good += 1
                self.transactions["refund"] += 1
            else:
                entry.claimable -= amount + burned
                entry.claimed_by.add(agent.name)
                self.books[entry.author].burned += burned
                self.books[entry.author].forgotten += take_forgets(self.forgets, first, burned)
                self.transactions["sweep" if claim.kind == SWEEP else "report"] += 1
                if entry.author == agent.name:
                    book.own_sweeps += 1
                    book.recovered += amount
                else:
                    book.takes += 1
                    book.taken += amount
                    if self.points:
                        self.books[entry.author].reported += 1
                        book.good -= 1  # a report spends one of the reporter's points
            if not entry.open:
                self.open_keys.discard(claim.key)

    def _predict(self, agent: Agent) -> None:
        samples, labels = self.prepared.test
        index = agent.rng.randrange(len(labels))
        book = self.books[agent.name]
        book.predictions += 1
        book.correct_predictions += int(self.backend.predict(samples[index]) == labels[index])

    # -- records and results -----------------------------------------------------------
    def _record(self, when: int, evaluated: bool) -> None:
        row: dict[str, Any] = {
            "time_s": int(when - self.t0),
            "adding": self.contributing and when < self.contributions_end,
            "accuracy": round(self.accuracy, 6) if evaluated else None,
        }
        for name, book in self.books.items():
            row[f"{name}_balance_wei"] = book.balance
            if self.points:
                row[f"{name}_points"] = book.good
        self.series.append(row)

    def _show_progress(self) -> None:
        if self.progress is not None:
            self.progress(self, self.now - self.t0, self.planned_end - self.t0)

    def balance_percent(self, name: str) -> float:
        book = self.books[name]
        return 100.0 * book.balance / book.spec.start_balance if book.spec.start_balance else 100.0

    def _check_balances(self) -> dict[str, Any]:
        """Compare every tracked balance with the account's real balance."""
        try:
            actual = {name: self.backend.balance(name) for name in self.books}
        except Exception as error:  # the chain is gone
            return {"checked": False, "reason": f"could not read balances: {error.__class__.__name__}"}
        mismatches = {
            name: {"tracked": book.balance, "actual": actual[name]}
            for name, book in self.books.items()
            if actual[name] != book.balance
        }
        return {"checked": True, "matches": not mismatches, "mismatches": mismatches}

    def _points_summary(self, name: str, book: Book) -> dict[str, Any]:
        """Points mechanism: points, reports against the agent and badges,
        as the trainer records them (checked against the books)."""
        out: dict[str, Any] = {"points": book.good, "reported_by_others": book.reported}
        try:
            stats = self.backend.points_stats(name)
        except Exception as error:  # the chain is gone
            out["badges"] = None
            out["points_check"] = f"could not read the trainer: {error.__class__.__name__}"
            return out
        out["badges"] = stats["badges"]
        if (stats["points"], stats["reported"]) != (book.good, book.reported):
            self.problems.append(
                f"{name}: the trainer records {stats['points']} points and {stats['reported']} reported, "
                f"the books {book.good} and {book.reported}"
            )
        return out

    def _result(
        self, simulated: int, runtime: float, interrupted: bool, reason: str, balance_check
    ) -> SimulationResult:
        locked: dict[str, int] = {name: 0 for name in self.books}
        for key in self.open_keys:
            entry = self.entries[key]
            locked[entry.author] += entry.claimable
        agents = {}
        for name, book in self.books.items():
            spec = book.spec
            lost = book.deposited - book.refunded - book.recovered - locked[name] - book.burned
            agents[name] = {
                "kind": spec.kind,
                "honest": spec.honest,
                "start_balance": spec.start_balance,
                "end_balance": book.balance,
                "balance_change": book.balance - spec.start_balance,
                "balance_change_percent": round(self.balance_percent(name) - 100.0, 3),
                "contributions": book.contributions,
                "refunds": book.refunds,
                "takes": book.takes,
                "own_leftovers_swept": book.own_sweeps,
                "deposited": book.deposited,
                "refunded": book.refunded,
                "taken": book.taken,
                "recovered": book.recovered,
                "lost_to_others": lost,
                "burned": book.burned,
                "forgotten": book.forgotten,
                "still_locked": locked[name],
                "gas_paid": book.gas,
                "good_contributions": book.good,
                **(self._points_summary(name, book) if self.points else {}),
                "additions_postponed_for_price": book.postponed_price,
                "additions_postponed_for_funds": book.postponed_funds,
                "samples_passed_by": book.passed_by,
                "turns_without_a_learnable_sample": book.turns_without_a_learnable_sample,
                "claims_skipped_by_precheck": book.prechecks_failed,
                "claim_rounds_without_gas": book.claim_rounds_without_gas,
                "predictions": book.predictions,
                "correct_predictions": book.correct_predictions,
                "address": book.address,
            }
        trainer: dict[str, Any] = self.backend.describe()
        try:
            trainer["parity"] = self.backend.parity()
        except Exception as error:  # the chain is gone
            trainer["parity"] = {"checked": False, "reason": error.__class__.__name__}
        if trainer["parity"].get("shadow_equals_chain") is False:
            self.problems.append("the shadow model's parameters differ from the chain's")
        return SimulationResult(
            config=self.config.to_dict(),
            dataset_name=self.prepared.dataset.name,
            backend=self.backend.name,
            sizes={**self.prepared.sizes(), "pool_passes": self.pool_passes},
            baseline_accuracy=self.prepared.baseline_accuracy,
            accuracy_initial=self.accuracy_initial,
            accuracy_final=self.accuracy,
            series=self.series,
            agents=agents,
            transactions=dict(self.transactions),
            simulated_s=int(simulated),
            runtime_s=round(runtime, 2),
            interrupted=interrupted,
            stop_reason=reason,
            balance_check=balance_check,
            problems=self.problems,
            trainer=trainer,
        )
