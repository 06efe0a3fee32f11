"""TSB-AD's subsequence and statistical detectors (besides Sub-PCA) against TSB-AD's own
classes (tsb-ad 1.5, installed with --no-deps), and what each must do as a tsadlab detector."""

import math
import sys
import types

import numpy as np
import pytest
from conftest import model_config

from tsadlab.data.windows import sliding_windows
from tsadlab.errors import ConfigError, DataError
from tsadlab.models import MODELS, build_model
from tsadlab.models._windows import flat_windows, rows_of
from tsadlab.models.clustering import KMeansDetector
from tsadlab.models.histogram import SubHbosDetector
from tsadlab.models.isolation import SubIForestDetector
from tsadlab.models.kshape import KShapeDetector
from tsadlab.models.matrix_profile import MatrixProfileDetector, nearest_distances
from tsadlab.models.neighbours import SubKnnDetector, SubLofDetector
from tsadlab.models.one_class_svm import SubOcsvmDetector, unit_scaled
from tsadlab.models.poly import PolyDetector
from tsadlab.scoring.align import point_scores

NEW_MODELS = [
    "sub_knn",
    "sub_lof",
    "sub_hbos",
    "sub_iforest",
    "sub_ocsvm",
    "kmeans",
    "poly",
    "matrix_profile",
    "kshape",
]
# (seed, window): a short, a middling and a long window on different series
CASES = [(0, 5), (1, 24), (2, 60)]


@pytest.fixture(scope="module")
def tsb_ad():
    """TSB-AD's class `name` of module `TSB_AD.models.<module>`. Its package imports torch
    (for the deep models), `arch` (for a distance POLY does not use) and `tqdm` (for SAND's
    online progress) as it loads: empty stand-ins take their place only while a module loads,
    since scikit-learn and scipy look up whatever module is named torch."""
    pytest.importorskip("hurst")

    def load(module: str, name: str) -> type:
        if module == "SAND":  # tslearn picks a torch backend if it first loads beside a stand-in
            for real in ("tslearn.clustering", "tslearn.metrics", "tslearn.utils"):
                pytest.importorskip(real)
        torch, nn, arch = (types.ModuleType(m) for m in ("torch", "torch.nn", "arch"))
        torch.nn, arch.arch_model = nn, None
        progress = types.ModuleType("tqdm")
        progress.tqdm = None
        with pytest.MonkeyPatch.context() as patch:
            for stand_in in (torch, nn, arch, progress):
                patch.setitem(sys.modules, stand_in.__name__, stand_in)
            loaded = pytest.importorskip(f"TSB_AD.models.{module}")
        return getattr(loaded, name)

    return load


def spiky_series(seed: int, n: int = 1500) -> np.ndarray:
    """A noisy sine (period 48) with three spikes."""
    rng = np.random.default_rng(seed)
    values = np.sin(np.arange(n) * 2 * np.pi / 48) + 0.2 * rng.standard_normal(n)
    values[rng.integers(100, n - 100, 3)] += 4.0
    return values


def windows_of(values: np.ndarray, window: int, stride: int = 1) -> np.ndarray:
    """(m, window, channels) windows of a series (one channel when 1-D), in time order."""
    return sliding_windows(values.reshape(len(values), -1), window, stride)


def rows_as_declared(name: str, window_scores: np.ndarray, window: int) -> np.ndarray:
    """Per-row scores of stride-1 windows, aligned as model `name` declares its authors align
    them (what `scoring.alignment=auto` runs): compared with TSB-AD's per-row scores, this
    checks the window scores and the declared alignment, padded ends included."""
    n_rows = len(window_scores) + window - 1
    return point_scores(window_scores, n_rows, window, 1, MODELS.get(name).alignment)


@pytest.mark.parametrize(("seed", "window"), CASES)
def test_sub_knn_scores_the_training_rows_as_tsb_ad_does(tsb_ad, seed, window):
    values = spiky_series(seed)
    reference = tsb_ad("KNN", "KNN")(slidingWindow=window, n_neighbors=50)
    expected = reference.fit(values.reshape(-1, 1)).decision_scores_
    windows = windows_of(values, window)
    ours = SubKnnDetector(50, "largest").fit(windows).score_windows(windows)
    np.testing.assert_allclose(rows_as_declared("sub_knn", ours, window), expected, rtol=1e-12)


@pytest.mark.parametrize(("seed", "window"), CASES)
def test_sub_lof_scores_the_training_rows_as_tsb_ad_does(tsb_ad, seed, window):
    values = spiky_series(seed)
    reference = tsb_ad("LOF", "LOF")(slidingWindow=window, n_neighbors=30)
    expected = reference.fit(values.reshape(-1, 1)).decision_scores_
    windows = windows_of(values, window)
    ours = SubLofDetector(30).fit(windows).score_windows(windows)
    np.testing.assert_allclose(rows_as_declared("sub_lof", ours, window), expected, rtol=1e-12)


@pytest.mark.parametrize("detector", [SubKnnDetector(5, "median"), SubLofDetector(5)])
def test_neighbours_score_fitted_windows_in_sample_and_the_rest_as_new(detector):
    values = spiky_series(3, 400)
    fitted, later = windows_of(values[:300], 12), windows_of(values[300:], 12)
    detector.fit(fitted)
    in_sample = detector.score_windows(fitted)
    np.testing.assert_array_equal(
        detector.score_windows(np.concatenate([fitted, later])),
        np.concatenate([in_sample, detector.score_windows(later)]),
    )
    # the same windows, not leading: scored as new, each now among its own neighbours
    assert not np.allclose(detector.score_windows(fitted[::-1])[::-1], in_sample)


@pytest.mark.parametrize(("seed", "window"), CASES)
def test_sub_hbos_scores_rows_as_tsb_ad_does(tsb_ad, seed, window, monkeypatch):
    values = spiky_series(seed)
    train, test = values[:1000].reshape(-1, 1), values[1000:].reshape(-1, 1)
    reference = tsb_ad("HBOS", "HBOS")(slidingWindow=window, n_bins=10).fit(train)
    # its decision_function asks scikit-learn 1.9 whether it is fitted, which only an
    # sklearn estimator can answer: it is, the check is skipped
    module = sys.modules[type(reference).__module__]
    monkeypatch.setattr(module, "check_is_fitted", lambda *args: None)
    detector = SubHbosDetector(10, 0.5).fit(windows_of(train, window))
    for part, expected in (
        (train, reference.decision_scores_),
        (test, reference.decision_function(test)),
    ):
        ours = detector.score_windows(windows_of(part, window))
        np.testing.assert_allclose(rows_as_declared("sub_hbos", ours, window), expected, rtol=1e-12)


@pytest.mark.parametrize(("seed", "window"), CASES)
def test_sub_iforest_scores_the_training_rows_as_tsb_ad_does(tsb_ad, seed, window):
    values = spiky_series(seed)
    forest = tsb_ad("IForest", "IForest")
    # run_Sub_IForest's settings: each tree draws one window position; TSB-AD's seed is 0
    reference = forest(slidingWindow=window, n_estimators=150, max_features=1)
    expected = reference.fit(values.reshape(-1, 1)).decision_scores_ - reference.offset_
    windows = windows_of(values, window)
    ours = SubIForestDetector(150, 1, seed=0).fit(windows).score_windows(windows)
    rows = rows_as_declared("sub_iforest", ours, window)
    np.testing.assert_allclose(rows, expected, rtol=1e-12)


@pytest.mark.parametrize(("seed", "window"), CASES)
def test_sub_ocsvm_scores_windows_as_tsb_ad_fits_them(tsb_ad, seed, window):
    values = spiky_series(seed)
    train, test = windows_of(values[:1000], window), windows_of(values[1000:], window)
    reference = tsb_ad("OCSVM", "OCSVM")(slidingWindow=window, kernel="rbf", nu=0.5)
    reference.fit(values[:1000].reshape(-1, 1))
    detector = SubOcsvmDetector("rbf", 0.5).fit(train)
    # the training windows: TSB-AD's own scores (its fit does not pad them)
    np.testing.assert_allclose(
        detector.score_windows(train), reference.decision_scores_, rtol=1e-8, atol=1e-12
    )
    # other windows: TSB-AD's fitted SVM on windows prepared as its fit prepares them
    expected = -reference.detector_.decision_function(unit_scaled(test))
    np.testing.assert_allclose(detector.score_windows(test), expected, rtol=1e-8, atol=1e-12)


def test_unit_scaling_is_tsb_ad_ocsvm_fit_preparation(tsb_ad):
    tsb_ad("OCSVM", "OCSVM")  # loads TSB-AD's utilities
    from sklearn.preprocessing import MinMaxScaler
    from TSB_AD.utils.utility import zscore

    windows = windows_of(spiky_series(4, 300), 16).copy()
    windows[5] = 2.0  # a constant window
    with np.errstate(invalid="ignore"):  # TSB-AD's 0 / 0 for the constant window, then 0
        expected = MinMaxScaler().fit_transform(zscore(flat_windows(windows), axis=1, ddof=1).T).T
    np.testing.assert_allclose(unit_scaled(windows), expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize(("seed", "window"), CASES)
def test_kmeans_scores_rows_as_tsb_ad_does(tsb_ad, seed, window):
    # KMeansAD's window scores and its reverse windowing (each row the mean of its windows)
    values = spiky_series(seed)
    reference = tsb_ad("KMeansAD", "KMeansAD")(k=10, window_size=window, stride=1)
    reference.model.set_params(random_state=seed)  # TSB-AD leaves it unseeded
    expected = reference.fit_predict(values.reshape(-1, 1))
    windows = windows_of(values, window)
    ours = KMeansDetector(10, seed).fit(windows).score_windows(windows)
    np.testing.assert_allclose(rows_as_declared("kmeans", ours, window), expected, rtol=1e-12)


def tsb_ad_blocks(n_rows: int, window: int) -> np.ndarray:
    """First rows of the whole blocks TSB-AD's POLY scores (it scores 0 before row
    ceil(min(500, n / 10) / window) * window)."""
    first = math.ceil(min(500, int(0.1 * n_rows)) / window)
    return np.arange(first, n_rows // window) * window


@pytest.mark.parametrize(("seed", "window"), CASES)
def test_poly_scores_tsb_ad_blocks_as_tsb_ad_does(tsb_ad, seed, window):
    values = spiky_series(seed)
    reference = tsb_ad("POLY", "POLY")(power=4, window=window)
    expected = reference.fit(values.reshape(-1, 1)).decision_scores_
    windows = windows_of(values, window)
    ours = PolyDetector(4).fit(windows).score_windows(windows)
    blocks = tsb_ad_blocks(len(values), window)
    np.testing.assert_allclose(ours[blocks], expected[blocks], rtol=1e-10)


def test_poly_with_stride_window_scores_exactly_tsb_ad_blocks(tsb_ad):
    window = 24
    values = spiky_series(5, 1440)  # 60 whole blocks
    reference = tsb_ad("POLY", "POLY")(power=4, window=window)
    expected = reference.fit(values.reshape(-1, 1)).decision_scores_
    windows = windows_of(values, window, stride=window)
    ours = PolyDetector(4).fit(windows).score_windows(windows)
    blocks = tsb_ad_blocks(len(values), window)
    np.testing.assert_allclose(ours[blocks // window], expected[blocks], rtol=1e-10)
    # per row, aligned as poly declares (the mean of its windows: here its one block)
    rows = point_scores(ours, len(values), window, window, MODELS.get("poly").alignment)
    np.testing.assert_allclose(rows[blocks[0] :], expected[blocks[0] :], rtol=1e-10)


def test_poly_pools_channels():
    values = spiky_series(6, 600)
    one = windows_of(values, 20)
    two = windows_of(np.column_stack([values, 5 * values + 1]), 20)  # the same once scaled
    np.testing.assert_allclose(
        PolyDetector(3).fit(two).score_windows(two),
        PolyDetector(3).fit(one).score_windows(one),
        rtol=1e-9,
    )


def brute_force_profile(query, reference, starts=None, zone=0):
    """The matrix profile by its definition: channels z-normalised (population std; a
    constant one 0 from a constant one, sqrt(window) from any other), distances summed over
    channels, trivial matches within `zone` rows of a window left out."""

    def distance(a, b):
        total = 0.0
        for x, y in zip(a.T, b.T, strict=True):
            flat_x, flat_y = np.ptp(x) == 0, np.ptp(y) == 0
            if flat_x or flat_y:
                total += 0.0 if flat_x and flat_y else len(x)
            else:
                zx, zy = (x - x.mean()) / x.std(), (y - y.mean()) / y.std()
                total += np.sum((zx - zy) ** 2)
        return math.sqrt(total)

    out = []
    for i, q in enumerate(query):
        candidates = [
            distance(q, r)
            for j, r in enumerate(reference)
            if starts is None or abs(starts[i] - starts[j]) > zone
        ]
        out.append(min(candidates, default=math.inf))
    return np.array(out)


@pytest.mark.parametrize(("channels", "stride"), [(1, 3), (2, 1), (2, 4), (1, 12)])
def test_matrix_profile_on_windows_is_its_definition(channels, stride):
    rng = np.random.default_rng(stride)
    values = np.cumsum(rng.standard_normal((240, channels)), axis=0)
    values[60:80] = 1.5  # constant windows
    fitted, test = windows_of(values[:150], 12, stride), windows_of(values[150:], 12, stride)
    detector = MatrixProfileDetector().fit(fitted)
    _, starts = rows_of(fitted)
    np.testing.assert_allclose(
        detector.score_windows(fitted), brute_force_profile(fitted, fitted, starts, 3), atol=1e-6
    )
    np.testing.assert_allclose(
        detector.score_windows(test), brute_force_profile(test, fitted), atol=1e-6
    )


@pytest.mark.slow  # stumpy compiles its kernels (numba) first: 20-50 s here
def test_matrix_profile_is_tsb_ad_with_stumpy(tsb_ad):
    reference_class = tsb_ad("MatrixProfile", "MatrixProfile")
    for seed, window in CASES:
        values = spiky_series(seed)
        expected = reference_class(window=window).fit(values.reshape(-1, 1)).decision_scores_
        windows = windows_of(values, window)
        ours = MatrixProfileDetector().fit(windows).score_windows(windows)
        np.testing.assert_allclose(
            ours, expected[window // 2 : window // 2 + len(windows)], rtol=1e-12
        )
        # the distances computed here, as for strides above 1, are stumpy's too
        direct = nearest_distances(windows, windows, np.arange(len(windows)), math.ceil(window / 4))
        np.testing.assert_allclose(direct, ours, atol=1e-9)
        train, test = windows_of(values[:1000], window), windows_of(values[1000:], window)
        joined = MatrixProfileDetector().fit(train).score_windows(test)
        np.testing.assert_allclose(joined, nearest_distances(test, train), atol=1e-9)


def sand_scores(tsb_ad, values: np.ndarray, window: int, seed: int, monkeypatch) -> np.ndarray:
    """TSB-AD's KShapeAD (`run_KShapeAD`: SAND offline, subsequences of 4 windows, one every
    1.5) on `values`, its k-Shape seeded through numpy's global generator (SAND passes none),
    per row and before its final z-normalisation (SAND keeps the mean and deviation)."""
    from tsadlab.private_apis import cache_tslearn_kernels

    cache_tslearn_kernels()  # the compiled k-Shape kernels tsadlab's runs share
    sand = tsb_ad("SAND", "SAND")
    monkeypatch.setattr(np, "Inf", np.inf, raising=False)  # SAND's numpy-1 spelling of inf
    np.random.seed(seed)
    reference = sand(pattern_length=window, subsequence_length=4 * window)
    reference.fit(values, overlaping_rate=int(1.5 * window))
    return np.asarray(reference.decision_scores_) * reference.std + reference.mean


def kshape_rows(values: np.ndarray, window: int, seed: int) -> np.ndarray:
    """tsadlab's KShapeAD window scores on `values`, averaged over the rows (TSB-AD's running
    mean), on the rows a full window's worth of windows covers (where the two agree)."""
    from tsadlab.scoring.align import point_scores

    windows = windows_of(values, window)
    detector = build_model(model_config("kshape"), window, 1, seed).fit(windows)
    scores = detector.score_windows(windows)
    rows = point_scores(scores, len(values), window, 1, "mean")
    return rows[window - 1 : len(values) - window + 1]


def test_kshape_is_tsb_ad_kshapead_but_for_stumpy(tsb_ad, monkeypatch):
    """SAND's clustering, weights and running mean, with its stumpy join replaced by the
    distances tsadlab computes (stumpy's, to 1e-9: the slow test below keeps stumpy)."""
    module = sys.modules[tsb_ad("SAND", "SAND").__module__]

    def stump(series, m, other, ignore_trivial):
        assert not ignore_trivial
        query, against = windows_of(np.asarray(series), m), windows_of(np.asarray(other), m)
        return nearest_distances(query, against).reshape(-1, 1)

    monkeypatch.setattr(module, "stumpy", types.SimpleNamespace(stump=stump))
    seed, window = 1, 30  # one case (7 s for two): the slow test below runs three
    values = spiky_series(seed)
    expected = sand_scores(tsb_ad, values, window, seed, monkeypatch)
    ours = kshape_rows(values, window, seed)
    np.testing.assert_allclose(ours, expected[window - 1 : len(values) - window + 1], rtol=1e-9)


@pytest.mark.slow  # stumpy compiles its kernels (numba) first: 20-50 s here
def test_kshape_is_tsb_ad_kshapead_with_stumpy(tsb_ad, monkeypatch):
    for seed, window in CASES:
        values = spiky_series(seed)
        expected = sand_scores(tsb_ad, values, window, seed, monkeypatch)
        ours = kshape_rows(values, window, seed)
        np.testing.assert_allclose(ours, expected[window - 1 : len(values) - window + 1], rtol=1e-7)


def test_kshape_takes_one_channel_and_enough_subsequences():
    two = windows_of(np.random.default_rng(0).standard_normal((400, 2)), 10)
    with pytest.raises(ConfigError, match="model=kshape with 2 channels"):
        build_model(model_config("kshape"), 10, 2, 0)
    with pytest.raises(ConfigError, match="model=kshape with 2 channels"):
        KShapeDetector(6, 0).fit(two)
    # 200 rows hold 4 subsequences of 80 rows, one every 30: too few for 6 clusters
    few = windows_of(np.sin(np.arange(200) / 5.0), 20)
    with pytest.raises(DataError, match="give 4 subsequences of 80 rows.*6 clusters"):
        KShapeDetector(6, 0).fit(few)
    assert np.isfinite(KShapeDetector(4, 0).fit(few).score_windows(few)).all()


@pytest.mark.parametrize("name", NEW_MODELS)
def test_an_injected_anomaly_scores_highest(name):
    rng = np.random.default_rng(7)
    values = np.sin(np.arange(1600) * 2 * np.pi / 40) + 0.1 * rng.standard_normal(1600)
    if name == "sub_ocsvm":
        # its windows are each scaled to [0, 1]: a short bump squashes the rest of its
        # window, which then lies among the training windows (it ranks the bump's windows
        # above the median only); a stuck sensor it finds
        start, stop = 1400, 1420
        values[start:stop] = 0.0
    else:
        start, stop = 1400, 1404
        values[start:stop] += 2.5  # a short bump in the test part
    stride = 2 if name == "matrix_profile" else 1  # stride 1 would compile stumpy: slow test
    detector = build_model(model_config(name), window=40, n_features=1, seed=0)
    detector.fit(windows_of(values[:1000], 40, stride))
    scores = detector.score_windows(windows_of(values[1000:], 40, stride))
    first_row = np.argmax(scores) * stride + 1000
    assert first_row < stop and first_row + 40 > start  # the top window covers the anomaly


@pytest.mark.parametrize("name", ["sub_iforest", "kmeans", "kshape"])
def test_seeded_detectors_repeat_with_their_seed(name):
    windows = windows_of(spiky_series(8, 500), 20)
    scores = [
        build_model(model_config(name), 20, 1, seed).fit(windows).score_windows(windows)
        for seed in (0, 0, 1)
    ]
    np.testing.assert_array_equal(scores[0], scores[1])
    assert not np.array_equal(scores[0], scores[2])


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("sub_knn", {"n_neighbors": 0}),
        ("sub_knn", {"method": "max"}),
        ("sub_lof", {"n_neighbors": 0}),
        ("sub_hbos", {"n_bins": 1}),
        ("sub_hbos", {"tol": 1.5}),
        ("sub_iforest", {"n_estimators": 0}),
        ("sub_iforest", {"max_features": 41}),
        ("sub_ocsvm", {"nu": 0.0}),
        ("sub_ocsvm", {"kernel": "cubic"}),
        ("kmeans", {"n_clusters": 0}),
        ("kshape", {"n_clusters": 0}),
        ("poly", {"power": -1}),
    ],
)
def test_bad_settings_are_one_line(name, params):
    with pytest.raises(ConfigError, match=r"^Received: model\.") as error:
        build_model(model_config(name, **params), window=20, n_features=2, seed=0)
    assert "\n" not in str(error.value)


def test_too_few_training_windows_are_one_line():
    windows = windows_of(spiky_series(9, 300)[:100], 95)  # 6 windows
    with pytest.raises(DataError, match="6 training windows are too few for model=kmeans"):
        build_model(model_config("kmeans"), 95, 1, 0).fit(windows)
    # more neighbours than windows: every other window, as scikit-learn's LOF does
    scores = build_model(model_config("sub_knn"), 95, 1, 0).fit(windows).score_windows(windows)
    assert np.isfinite(scores).all()


@pytest.mark.parametrize("stride", [1, 3, 12, 15])
def test_rows_of_windows_give_back_their_series(stride):
    values = np.random.default_rng(stride).standard_normal((200, 2))
    windows = windows_of(values, 12, stride)
    rows, starts = rows_of(windows)
    np.testing.assert_array_equal(starts, np.arange(len(windows)) * min(stride, 12))
    if stride <= 12:  # windows that overlap or touch cover their rows
        np.testing.assert_array_equal(rows, values[: len(rows)])
    np.testing.assert_array_equal(windows_of(rows, 12, min(stride, 12)), windows)


def test_flat_windows_lay_out_channels_as_tsb_ad_window_does(tsb_ad):
    convert = tsb_ad("feature", "Window")(window=7).convert
    values = np.random.default_rng(0).standard_normal((50, 3))
    np.testing.assert_array_equal(flat_windows(windows_of(values, 7)), convert(values))
