"""Whole-file checks for model files, run before a model is built or deployed.

The model classes check their own invariants, but one at a time and without
saying which file or field is at fault; the contracts check the rest only
once gas is being spent. `check_model_data` looks at a model file's content
as a whole and stops at the first inconsistency with one line that names
the file and the field, e.g.

    model file m.json: weights has 99 entries; num_features is 100

What it checks: the format and type; the keys each type needs; that every
integer is an integer within the range its contract field holds; that
counts agree with each other (one entry per class, one per feature, the
same width in every row, capacity for every class); and that the encoder
is one decai knows, that its parameters are the ones its digest names, that
it produces the kind of sample (sparse or dense) the model takes and as
many features or dimensions as the model has.

Types registered later without rules here get the common checks only.
"""

from __future__ import annotations

import math
from typing import Any, NoReturn

from decai.errors import DecaiError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
SPARSE_PERCEPTRON_MAX_FEATURES = 4 * 2**20  # contracts/lib/sparse_perceptron.vy
AVERAGED_PERCEPTRON_MAX_FEATURES = 2 * 2**20  # contracts/lib/models/averaged_perceptron.vy

# Encoders that take no parameters from the model file.
_PARAMETERLESS = ("indices", "unit", "above-mean", "hash")


class _Check:
    """Helpers bound to one file, so that every message names it."""

    def __init__(self, data: dict[str, Any], source: str | None):
        self.data = data
        self.where = f"model file {source}" if source is not None else "model"

    def fail(self, field: str | None, problem: str) -> NoReturn:
        subject = f"{field} " if field else ""
        raise DecaiError(f"{self.where}: {subject}{problem}")

    def require(self, key: str) -> Any:
        if key not in self.data:
            self.fail(None, f"has no {key!r} (a {self.data.get('type')} model file needs it)")
        return self.data[key]

    def integer(self, value: Any, field: str, low: int, high: int, bounds: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, f"must be an integer (fixed point, 10**9 = 1.0), got {value!r}")
        if not low <= value <= high:
            self.fail(field, f"is {value}; it must be {bounds}")
        return value

    def int_list(self, key: str, low: int, high: int, bounds: str, *, value: Any = None) -> list[int]:
        values = self.data[key] if value is None else value
        if not isinstance(values, list):
            self.fail(key, f"must be a list of integers, got {type(values).__name__}")
        for index, item in enumerate(values):
            self.integer(item, f"{key}[{index}]", low, high, bounds)
        return values

    def optional_int(self, key: str, default: int, low: int, high: int, bounds: str) -> int:
        if key not in self.data:
            return default
        return self.integer(self.data[key], key, low, high, bounds)

    def length(self, key: str, values: list, expected: int, what: str, unit: str = "entries") -> None:
        if len(values) != expected:
            self.fail(key, f"has {len(values)} {unit}; {what} is {expected}")


def check_model_data(data: Any, source: str | None = None) -> None:
    """Raise DecaiError (one line naming `source` and the field) for the
    first inconsistency in the model file content `data`; return None if it
    is a model file every part of which agrees with every other."""
    from decai.models.base import FORMAT, MAX_CLASS_NAME_LENGTH, MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, model_class

    if not isinstance(data, dict):
        _Check({}, source).fail(None, f'is not a decai model file (expected a JSON object with "format": "{FORMAT}")')
    check = _Check(data, source)
    if data.get("format") != FORMAT:
        check.fail(None, f'is not a decai model file (expected "format": "{FORMAT}")')
    kind = data.get("type")
    try:
        cls = model_class(kind) if isinstance(kind, str) else None
    except DecaiError as error:
        check.fail("type", str(error))
    if cls is None:
        check.fail("type", f"must be a model type name, got {kind!r}")

    name = check.require("name")
    for key, value, limit in (
        ("name", name, MAX_NAME_LENGTH),
        ("description", data.get("description", ""), MAX_DESCRIPTION_LENGTH),
    ):
        if not isinstance(value, str):
            check.fail(key, f"must be a string, got {value!r}")
        if len(value.encode()) > limit:
            check.fail(key, f"is {len(value.encode())} bytes long; at most {limit} fit on chain")
    if not name:
        check.fail("name", "must not be empty")

    classes = data.get("classes", ["negative", "positive"])
    if not isinstance(classes, list):
        check.fail("classes", f"must be a list of class names, got {classes!r}")
    if len(classes) < 2:
        check.fail("classes", f"has {len(classes)} class(es); a model needs at least two")
    for index, label in enumerate(classes):
        if not isinstance(label, str) or not label or len(label.encode()) > MAX_CLASS_NAME_LENGTH:
            check.fail(
                f"classes[{index}]", f"is {label!r}; a class name is a string of 1 to {MAX_CLASS_NAME_LENGTH} bytes"
            )
    if len(set(classes)) != len(classes):
        repeated = next(label for label in classes if classes.count(label) > 1)
        check.fail("classes", f"names {repeated!r} twice")
    if (getattr(cls, "two_classes_only", False) or kind in ("sparse_perceptron", "dense_perceptron")) and len(
        classes
    ) != 2:
        check.fail("classes", f"has {len(classes)} classes; a {kind} model tells exactly two apart")

    rules = _RULES.get(kind)
    width = rules(check, len(classes)) if rules else None
    _check_encoder(check, cls.input_kind, width)


# -- per type ---------------------------------------------------------------------------


def _perceptron(check: _Check, num_classes: int, *, dense: bool) -> tuple[str, int]:
    weights = check.require("weights")
    check.int_list("weights", INT64_MIN, INT64_MAX, "within int64 (fixed point)")
    if not weights:
        check.fail("weights", "is empty; a perceptron needs at least one weight")
    size_key = "dimensions" if dense else "num_features"
    limit = 128 if dense else SPARSE_PERCEPTRON_MAX_FEATURES
    if size_key in check.data:
        declared = check.integer(check.data[size_key], size_key, 1, limit, f"1 to {limit}")
        check.length("weights", weights, declared, size_key)
    if len(weights) > limit:
        check.fail("weights", f"has {len(weights)} entries; a {check.data['type']} model has at most {limit}")
    check.optional_int("intercept", 0, INT64_MIN, INT64_MAX, "within int64 (fixed point)")
    check.optional_int("learning_rate", 10**9, 1, INT64_MAX, "positive and within int64 (fixed point)")
    return size_key, len(weights)


def _averaged_perceptron(check: _Check, num_classes: int) -> tuple[str, int]:
    """The sparse perceptron's checks, at most 2 * 2**20 features (two
    lanes per feature), plus the averaging state."""
    size_key, count = _perceptron(check, num_classes, dense=False)
    if count > AVERAGED_PERCEPTRON_MAX_FEATURES:
        check.fail(
            "weights",
            f"has {count} entries; an averaged_perceptron model has at most {AVERAGED_PERCEPTRON_MAX_FEATURES}",
        )
    if "update_sums" in check.data:
        sums = check.int_list("update_sums", INT64_MIN, INT64_MAX, "within int64 (fixed point)")
        check.length("update_sums", sums, count, "the number of weights")
    initial = check.optional_int("initial_count", 1, 1, 2**64 - 1, "1 to 2**64 - 1")
    check.optional_int("count", initial, initial, 2**64 - 1, "at least initial_count and below 2**64")
    return size_key, count


def _class_capacity(check: _Check, num_classes: int) -> int:
    from decai.models.counts import MAX_CLASSES

    capacity = check.optional_int("class_capacity", num_classes, 1, MAX_CLASSES, f"1 to {MAX_CLASSES}")
    if capacity < num_classes:
        check.fail("class_capacity", f"is {capacity}; the file has {num_classes} classes")
    return capacity


def _class_counts(check: _Check, num_classes: int, bits: int) -> None:
    counts = check.require("class_counts")
    check.int_list("class_counts", 0, 2**bits - 1, f"0 to 2**{bits} - 1")
    check.length("class_counts", counts, num_classes, "the number of classes")


def _per_class(check: _Check, key: str, num_classes: int, high: int, bounds: str) -> None:
    if key in check.data and check.data[key] is not None:
        values = check.int_list(key, 0, high, bounds)
        check.length(key, values, num_classes, "the number of classes")


def _count_model(check: _Check, num_classes: int, *, samples_bits: int) -> tuple[str, int]:
    from decai.models.counts import COUNT_MAX, MAX_FEATURES

    check.require("num_features")
    num_features = check.integer(check.data["num_features"], "num_features", 1, MAX_FEATURES, f"1 to {MAX_FEATURES}")
    _class_capacity(check, num_classes)
    _class_counts(check, num_classes, samples_bits)
    rows = check.require("feature_counts")
    if not isinstance(rows, list):
        check.fail("feature_counts", f"must be a list of rows (one per class), got {type(rows).__name__}")
    if len(rows) != num_classes:
        check.fail(
            "feature_counts", f"has {len(rows)} rows; the number of classes is {num_classes} (classes x features)"
        )
    for label, row in enumerate(rows):
        key = f"feature_counts[{label}]"
        check.int_list(key, 0, COUNT_MAX, "0 to 2**31 - 1", value=row)
        check.length(key, row, num_features, "num_features")
    return "num_features", num_features


def _naive_bayes(check: _Check, num_classes: int) -> tuple[str, int]:
    from decai.models.naive_bayes import MAX_SMOOTHING, SAMPLES_BITS, TOTAL_MAX

    result = _count_model(check, num_classes, samples_bits=SAMPLES_BITS)
    check.optional_int("smoothing", 10**9, 1, MAX_SMOOTHING, f"1 to {MAX_SMOOTHING} (fixed point, 10**9 = Laplace)")
    _per_class(check, "total_counts", num_classes, TOTAL_MAX, "0 to 2**64 - 1")
    return result


def _sparse_nearest_centroid(check: _Check, num_classes: int) -> tuple[str, int]:
    from decai.models.nearest_centroid import SPARSE_NORM_MAX, SPARSE_SAMPLES_BITS

    result = _count_model(check, num_classes, samples_bits=SPARSE_SAMPLES_BITS)
    _per_class(check, "norms", num_classes, SPARSE_NORM_MAX, "0 to 2**84 - 1")
    return result


def _nearest_centroid(check: _Check, num_classes: int) -> tuple[str, int]:
    from decai.models.nearest_centroid import DENSE_SAMPLES_BITS

    _class_capacity(check, num_classes)
    _class_counts(check, num_classes, DENSE_SAMPLES_BITS)
    rows = check.require("centroids")
    if not isinstance(rows, list):
        check.fail("centroids", f"must be a list of rows (one per class), got {type(rows).__name__}")
    if len(rows) != num_classes:
        check.fail("centroids", f"has {len(rows)} rows; the number of classes is {num_classes}")
    first = rows[0] if isinstance(rows[0], list) else []
    dimensions = len(first)
    if "dimensions" in check.data:
        dimensions = check.integer(check.data["dimensions"], "dimensions", 1, 128, "1 to 128")
    if not 1 <= dimensions <= 128:
        check.fail("centroids[0]", f"has {dimensions} values; a dense model has 1 to 128 dimensions")
    for label, row in enumerate(rows):
        key = f"centroids[{label}]"
        check.int_list(key, INT32_MIN, INT32_MAX, "within int32 (fixed point, |c| < 2.147)", value=row)
        check.length(
            key, row, dimensions, "dimensions" if "dimensions" in check.data else "the width of centroids[0]", "values"
        )
    return "dimensions", dimensions


_RULES = {
    "sparse_perceptron": lambda check, n: _perceptron(check, n, dense=False),
    "dense_perceptron": lambda check, n: _perceptron(check, n, dense=True),
    "averaged_perceptron": lambda check, n: _averaged_perceptron(check, n),
    "naive_bayes": _naive_bayes,
    "sparse_nearest_centroid": _sparse_nearest_centroid,
    "nearest_centroid": _nearest_centroid,
}


# -- the encoder --------------------------------------------------------------------------


def _check_encoder(check: _Check, input_kind: str, width: tuple[str, int] | None) -> None:
    from decai.data.encoders import encoder_from_spec
    from decai.models.base import MAX_ENCODER_LENGTH

    spec = check.data.get("encoder", "")
    params = check.data.get("encoder_params")
    if not isinstance(spec, str):
        check.fail("encoder", f"must be an encoder spec string, got {spec!r}")
    if len(spec.encode()) > MAX_ENCODER_LENGTH:
        check.fail("encoder", f"is {len(spec.encode())} bytes long; at most {MAX_ENCODER_LENGTH} fit on chain")
    if params is not None and not isinstance(params, dict):
        check.fail("encoder_params", f"must be an object, got {type(params).__name__}")
    name = spec.split(":", 1)[0]
    if not spec:
        if params:
            check.fail("encoder_params", "are given but the file names no encoder")
        return
    if name in _PARAMETERLESS and params:
        check.fail("encoder_params", f"are given but encoder {name} takes none")
    if name == "standard-unit":
        _check_statistics(check, params)
    if name == "column-mean":
        _check_statistics(check, params, ("means",))
    if name == "bow":
        vocabulary = (params or {}).get("vocabulary")
        if not isinstance(vocabulary, list) or not all(isinstance(word, str) for word in vocabulary):
            check.fail("encoder_params.vocabulary", "must be a list of words (bow encoders need their vocabulary)")
    try:
        encoder = encoder_from_spec(spec, params)
    except DecaiError as error:
        check.fail("encoder", f"{spec!r}: {error}")
    if encoder.kind != input_kind:
        check.fail(
            "encoder", f"{name} makes {encoder.kind} samples; a {check.data['type']} model takes {input_kind} ones"
        )
    if width is None:
        return
    size_key, size = width
    if name in ("standard-unit", "column-mean"):
        check.length("encoder_params.means", encoder.means, size, size_key)
    elif name == "bow":
        bucket = " (+1 unknown-word bucket)" if encoder.num_features != len(encoder.vocabulary) else ""
        if encoder.num_features != size:
            check.fail(
                "encoder_params.vocabulary", f"has {len(encoder.vocabulary)} words{bucket}; {size_key} is {size}"
            )
    elif hasattr(encoder, "num_features") and encoder.num_features != size:
        check.fail("encoder", f"{spec!r} makes {encoder.num_features} features; {size_key} is {size}")


def _check_statistics(
    check: _Check, params: dict[str, Any] | None, keys: tuple[str, ...] = ("means", "scales")
) -> None:
    params = params or {}
    for key in keys:
        values = params.get(key)
        field = f"encoder_params.{key}"
        if not isinstance(values, list):
            needs = (
                "standard-unit encoders need their means and scales"
                if "scales" in keys
                else "column-mean encoders need their means"
            )
            check.fail(field, f"must be a list of numbers ({needs})")
        for index, value in enumerate(values):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                check.fail(f"{field}[{index}]", f"must be a finite number, got {value!r}")
            if key == "scales" and value <= 0:
                check.fail(f"{field}[{index}]", f"is {value}; every scale must be positive")
    if "scales" in keys and len(params["means"]) != len(params["scales"]):
        check.fail(
            "encoder_params.scales",
            f"has {len(params['scales'])} entries; encoder_params.means has {len(params['means'])}",
        )
