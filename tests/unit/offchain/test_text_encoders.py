import pytest

from decai.data.datasets import BUILT_IN, IMDB_PER_LABEL, imdb, load_source, rotten_tomatoes, rotten_tomatoes_imbalanced
from decai.data.encoders import HashingEncoder, VocabularyEncoder, encoder_from_spec, tokenize
from decai.errors import DecaiError

TEXTS = ["The movie was great, great fun!", "Don't watch it: a bad movie", "A fine film"]


def test_tokenize__lowercase_words_with_inner_apostrophes():
    assert tokenize("Don't STOP_now, naïve café 42x") == ["don't", "stop", "now", "naïve", "café", "42x"]
    with pytest.raises(DecaiError, match="expected text, got int"):
        tokenize(42)


def test_vocabulary__most_frequent_first_ties_alphabetical():
    encoder = VocabularyEncoder.build(TEXTS, size=4)
    assert encoder.vocabulary == ["a", "movie", "bad", "don't"]


def test_vocabulary__unknown_words_explicit():
    skip = VocabularyEncoder(["good", "bad"], unknown="skip")
    bucket = VocabularyEncoder(["good", "bad"], unknown="bucket")
    assert skip.encode("good and bad and ugly") == [0, 1]
    assert bucket.encode("good and bad and ugly") == [0, 1, 2]
    assert bucket.num_features == 3 and skip.num_features == 2
    assert bucket.decode([0, 2]) == ["good", "<unknown>"]


def test_vocabulary__overflow_policies():
    words = [f"w{i}" for i in range(200)]
    text = " ".join(words)
    with pytest.raises(DecaiError, match="^text has 200 distinct known words; a sample may have at most 128$"):
        VocabularyEncoder(words).encode(text)
    assert VocabularyEncoder(words, overflow="first").encode(text) == list(range(128))


def test_vocabulary__spec_round_trip_and_digest():
    encoder = VocabularyEncoder.build(TEXTS, size=10, unknown="bucket")
    assert encoder.spec.startswith("bow:v1:bucket:error:sha256=")
    again = encoder_from_spec(encoder.spec, encoder.params())
    assert again.encode("a great movie") == encoder.encode("a great movie")
    with pytest.raises(DecaiError, match="do not match"):
        encoder_from_spec(encoder.spec, {"vocabulary": encoder.vocabulary[::-1]})
    with pytest.raises(DecaiError, match="needs its vocabulary"):
        encoder_from_spec(encoder.spec)


def test_hashing__stable_values():
    encoder = HashingEncoder(1024, seed=0)
    # Pinned output: any drift of the hash across platforms or library
    # versions would silently change every sample, so it must fail here.
    assert encoder.encode("the movie was great") == [412, 534, 866, 913]
    assert encoder_from_spec(encoder.spec).encode("the movie was great") == [412, 534, 866, 913]
    assert HashingEncoder(1024, seed=1).encode("the movie was great") != [412, 534, 866, 913]


def test_hashing__bad_spec():
    with pytest.raises(DecaiError, match="malformed hashing encoder spec"):
        encoder_from_spec("hash:v1:mmh3:n=abc:seed=0")


def test_rotten_tomatoes__installed_with_the_project():
    texts, labels = rotten_tomatoes()
    assert len(texts) == len(labels) == 4866
    assert sum(labels) == 2455
    encoder = VocabularyEncoder.build(texts, size=1000)
    longest = max(len(encoder.encode(t)) for t in texts)
    assert longest <= 128


def test_imdb__installed_with_the_project__balanced_long_reviews_drawn_the_same_way_each_time():
    texts, labels = imdb()
    assert len(texts) == len(labels) == 2 * IMDB_PER_LABEL and sum(labels) == IMDB_PER_LABEL
    assert imdb() == (texts, labels)
    assert not any("<br />" in t for t in texts)
    assert sum(len(t.split()) for t in texts) / len(texts) > 150  # long reviews, not snippets
    dataset = load_source("imdb")
    assert dataset.classes == ["negative", "positive"] and dataset.is_text


def test_rotten_tomatoes_imbalanced__every_fresh_snippet_and_rotten_at_12_percent_drawn_the_same_way_each_time():
    texts, labels = rotten_tomatoes_imbalanced()
    all_texts, all_labels = rotten_tomatoes()
    assert sum(labels) == sum(all_labels) == 2455
    assert len(labels) - sum(labels) == 335 and (len(labels) - sum(labels)) / len(labels) <= 0.15
    assert rotten_tomatoes_imbalanced() == (texts, labels)
    pairs = set(zip(all_texts, all_labels))
    assert all(pair in pairs for pair in zip(texts, labels))
    dataset = load_source("rotten-tomatoes-imbalanced")
    assert "rotten-tomatoes-imbalanced" in BUILT_IN
    assert dataset.classes == ["rotten", "fresh"] and dataset.is_text and dataset.labels == labels
