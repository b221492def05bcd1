"""What every reference model offers, and the model file format.

A model file is JSON with integer (fixed point, 10**9 = 1.0) parameters so
that a round trip through the file is exact:

    {"format": "decai-model/1", "type": "sparse_perceptron", "name": ...,
     "description": ..., "classes": [...], "encoder": ..., ...parameters}

The parameters per type are documented on each class's `to_dict`.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from decai.errors import DecaiError

FORMAT = "decai-model/1"
MAX_SAMPLE_LENGTH = 128  # contracts/lib/common/constants.vy
MAX_NAME_LENGTH = 64
MAX_DESCRIPTION_LENGTH = 160
MAX_ENCODER_LENGTH = 128
MAX_CLASS_NAME_LENGTH = 32


class Model(ABC):
    """A classifier as a contract holds it, with its descriptive metadata."""

    type: ClassVar[str]
    #: "sparse": samples are increasing feature indices; "dense": fixed-length values.
    input_kind: ClassVar[str]
    #: The model's part of its deployables' names: {Deposit,Points,...}<contract_part>.vy
    contract_part: ClassVar[str]
    #: Short name used by the gas benchmark and in tables (SP, DP, NB, ...).
    short_name: ClassVar[str]
    #: True for models that can only tell two classes apart (the perceptrons).
    two_classes_only: ClassVar[bool] = False
    #: The on-chain step `ape run train`, `simulate` and `tune` use unless told
    #: otherwise (see `set_step`): of the steps measured to keep the type's
    #: accuracy under attack on both built-in text corpora, the one that ends
    #: highest over the two (docs/SIMULATION.md; what it keeps of what the data
    #: can teach, per built-in data set: `decai.models.measured`).
    default_step: ClassVar[float]
    #: The default step for data sets of numbers (breast cancer, digits, a CSV of
    #: numeric columns); None: the same as for text. A type gets its own where
    #: the text step does not hold on the numeric built-ins.
    default_numeric_step: ClassVar[float | None] = None

    @classmethod
    def default_step_for(cls, kind: str) -> float:
        """The default step for data of `kind` ("text" or "numbers", `decai.data.datasets`)."""
        if kind == "numbers" and cls.default_numeric_step is not None:
            return cls.default_numeric_step
        return cls.default_step

    def __init__(
        self,
        *,
        name: str,
        description: str,
        classes: Sequence[str],
        encoder: str,
        encoder_params: dict[str, Any] | None = None,
    ):
        self.name = name
        self.description = description
        self.classes = list(classes)
        self.encoder = encoder
        self.encoder_params = encoder_params or None
        self._check_metadata()

    def _check_metadata(self) -> None:
        for field, value, limit in (
            ("name", self.name, MAX_NAME_LENGTH),
            ("description", self.description, MAX_DESCRIPTION_LENGTH),
            ("encoder", self.encoder, MAX_ENCODER_LENGTH),
        ):
            if len(value.encode()) > limit:
                raise DecaiError(f"model {field} is {len(value.encode())} bytes long; at most {limit} fit on chain")
        for name in self.classes:
            if not name or len(name.encode()) > MAX_CLASS_NAME_LENGTH:
                raise DecaiError(f"class name {name!r} must be 1 to {MAX_CLASS_NAME_LENGTH} bytes long")

    # -- the classifier -------------------------------------------------
    @abstractmethod
    def check_sample(self, sample: Sequence[int]) -> None:
        """Raise DecaiError (one line) if the contract would reject `sample`."""

    @abstractmethod
    def predict(self, sample: Sequence[int]) -> int:
        """The label the contract predicts for `sample`."""

    @abstractmethod
    def update(self, sample: Sequence[int], label: int) -> None:
        """Train on one sample exactly as `add_data` does on chain."""

    #: True for models whose deposit trainer forgets a sample at its first
    #: take while the model rejects it (`forget` undoes `update` exactly).
    forgets_taken: ClassVar[bool] = False

    def forget(self, sample: Sequence[int], label: int) -> None:
        """Undo `update(sample, label)` exactly, as the deposit trainer's
        `report` does on chain (only where `forgets_taken`)."""
        raise DecaiError(f"a {self.type} model cannot forget a sample")

    def check_training_sample(self, sample: Sequence[int], label: int) -> None:
        """Raise DecaiError if `add_data(sample, label)` would be rejected by the model."""
        self.check_sample(sample)
        if not 0 <= label < len(self.classes):
            raise DecaiError(f"label {label} is not one of the model's labels 0..{len(self.classes) - 1}")

    # -- files ----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "type": self.type,
            "name": self.name,
            "description": self.description,
            "classes": self.classes,
            "encoder": self.encoder,
            **({"encoder_params": self.encoder_params} if self.encoder_params else {}),
            **self._parameters(),
        }

    @abstractmethod
    def _parameters(self) -> dict[str, Any]:
        """The type-specific part of the model file."""

    @staticmethod
    def _metadata(data: dict[str, Any], default_classes: Sequence[str]) -> dict[str, Any]:
        return {
            "name": data["name"],
            "description": data.get("description", ""),
            "classes": data.get("classes", list(default_classes)),
            "encoder": data.get("encoder", ""),
            "encoder_params": data.get("encoder_params"),
        }

    def save(self, path: str | Path) -> None:
        """Write the model file; nothing is written if serialisation fails."""
        text = json.dumps(self.to_dict(), indent=1)
        Path(path).write_text(text + "\n")

    def copy(self) -> Model:
        return model_from_dict(self.to_dict())

    @abstractmethod
    def set_step(self, step: float) -> None:
        """Set how far one later `update` moves the model, relative to the
        training that built it, without changing its predictions now. A
        perceptron's step is its on-chain learning rate; a counting model's
        is 1/k, its deployed counts weighing k samples each (`count_weight`)."""

    @classmethod
    @abstractmethod
    def check_step(cls, step: float) -> None:
        """Raise DecaiError (one line) unless this type can take `step`."""

    @classmethod
    @abstractmethod
    def describe_step(cls, step: float) -> str:
        """`step` as this type reads it, for reports."""

    def _reweigh(self, step: float, changes: dict[str, Any]) -> None:
        """Replace parameters for `set_step`, with every check of the type's constructor."""
        try:
            weighed = type(self).from_dict({**self.to_dict(), **changes})
        except DecaiError as error:
            # Only the counts change, and only by the weight k: the model
            # itself was valid, so its counts are too large to weigh k times.
            raise DecaiError(
                f"step {step:g} needs the deployed counts weighed {count_weight(step)} times, "
                f"and this model's counts are too large for that: {error}"
            ) from None
        self.__dict__.update(weighed.__dict__)

    # -- training with scikit-learn -------------------------------------
    @classmethod
    def sklearn_features(cls, X):
        """The matrix scikit-learn sees for float features `X` (a scipy
        sparse count matrix for sparse models, an array for dense ones)."""
        return X

    @classmethod
    @abstractmethod
    def fit(cls, X, y, *, seed: int, **metadata) -> tuple[Model, Any]:
        """Fit this type's scikit-learn counterpart on `sklearn_features(X)`
        and labels `y` (0..len(classes)-1); returns (decai model, fitted
        classifier). `metadata`: name, description, classes, encoder,
        encoder_params."""


# -- the registry: the one list of model types ----------------------------
# Every list of model types (command-line choices, contract names, training,
# the simulation) comes from here. A new type is one module in decai/models/
# (a registered Model subclass, imported by decai/models/__init__.py) plus
# its contract module and deployables.

_TYPES: dict[str, type[Model]] = {}


def register(cls: type[Model]) -> type[Model]:
    _TYPES[cls.type] = cls
    return cls


def _registered() -> dict[str, type[Model]]:
    import decai.models  # noqa: F401 - importing the package registers every type

    return _TYPES


def model_types() -> tuple[str, ...]:
    """Every model type, sorted by name."""
    return tuple(sorted(_registered()))


def sparse_model_types() -> tuple[str, ...]:
    """The types whose samples are feature indices (text models)."""
    return tuple(t for t in model_types() if _TYPES[t].input_kind == "sparse")


def model_class(model_type: str) -> type[Model]:
    if model_type not in _registered():
        raise DecaiError(f"unknown model type {model_type!r}; known: {', '.join(sorted(_TYPES))}")
    return _TYPES[model_type]


def model_from_dict(data: dict[str, Any], source: str | None = None) -> Model:
    """Build a model from model file content, checked as a whole first
    (decai.models.validate); `source` names the file in errors."""
    from decai.models.validate import check_model_data

    check_model_data(data, source)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DecaiError(f'not a decai model file (expected "format": "{FORMAT}")')
    kind = data.get("type")
    if kind not in _TYPES:
        raise DecaiError(f"unknown model type {kind!r}; known: {', '.join(sorted(_TYPES))}")
    try:
        return _TYPES[kind].from_dict(data)  # type: ignore[attr-defined]
    except (KeyError, TypeError, ValueError) as error:
        raise DecaiError(f"bad {kind} model file: {error}") from None


def load_model(path: str | Path) -> Model:
    """Read a model file (`decai.data.files.read_json`: UTF-8, JSON errors
    by line, no NaN), with a one-line error for anything wrong with it."""
    from decai.data.files import read_json

    data, _ = read_json(path, "model file")
    return model_from_dict(data, str(path))


class CountWeightedStep:
    """The step of a counting model (naive Bayes, the nearest centroids):
    1/k, its deployed counts weighing k samples each."""

    @classmethod
    def check_step(cls, step: float) -> None:
        count_weight(step)

    @classmethod
    def describe_step(cls, step: float) -> str:
        return f"on-chain step {step:g} (deployed counts weigh {count_weight(step)} samples each)"


def count_weight(step: float) -> int:
    """The weight k of a counting model's deployed counts for a step of
    about 1/k: k = round(1 / step), for steps above 0 and at most 1."""
    if not 0 < step <= 1:
        raise DecaiError(
            f"a counting model's step must be above 0 and at most 1 (1/k: its deployed counts weigh k samples), "
            f"got {step:g}"
        )
    return round(1 / step)


def require_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer (fixed point, 10**9 = 1.0), got {value!r}")
    return value
