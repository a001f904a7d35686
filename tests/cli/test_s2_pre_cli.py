import shutil
import zipfile

import pytest

from products.s2fake import make_s2


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    return make_s2(tmp_path_factory.mktemp("cli"), size=12)


def _bad(run_cli, tmp_path, *args):
    out = tmp_path / "out.tif"
    code, stdout, err = run_cli("s2-pre", "--quiet", "--output_path", out, *args)
    assert code == 2, err
    assert err.startswith("error: ") and err.strip().count("\n") == 0
    assert not out.exists() and not list(tmp_path.glob(".out.tif*"))
    return err


def test_missing_path(run_cli, tmp_path):
    assert "does not exist" in _bad(run_cli, tmp_path, "--input", tmp_path / "nope.SAFE")


def test_zip_that_is_not_safe(run_cli, tmp_path):
    bogus = tmp_path / "x.zip"
    with zipfile.ZipFile(bogus, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert "not a Sentinel SAFE" in _bad(run_cli, tmp_path, "--input", bogus)


def test_truncated_zip(run_cli, tmp_path, product):
    whole = shutil.make_archive(str(tmp_path / "p"), "zip", product.path.parent, product.path.name)
    data = open(whole, "rb").read()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    assert "zip" in _bad(run_cli, tmp_path, "--input", cut)


def test_missing_band_file(run_cli, tmp_path):
    broken = make_s2(tmp_path / "p", size=12, drop="B3")
    assert "missing" in _bad(run_cli, tmp_path, "--input", broken.path)


def test_unknown_band(run_cli, tmp_path, product):
    assert "B13" in _bad(run_cli, tmp_path, "--input", product.path, "--bands", "B2,B13")


@pytest.mark.parametrize("value", ["0", "-10"])
def test_bad_resolution(run_cli, tmp_path, product, value):
    assert "resolution" in _bad(run_cli, tmp_path, "--input", product.path, f"--resolution={value}")


def test_invalid_wkt(run_cli, tmp_path, product):
    assert "WKT" in _bad(run_cli, tmp_path, "--input", product.path, "--AoI", "POLYGON((1 2, 3")


def test_aoi_outside_footprint(run_cli, tmp_path, product):
    err = _bad(run_cli, tmp_path, "--input", product.path, "--AoI", "POLYGON((100 10, 101 10, 101 11, 100 10))")
    assert "misses the footprint" in err


def test_unwritable_output(run_cli, tmp_path, product):
    (tmp_path / "no").write_text("a file where a folder should be")
    code, _, err = run_cli("s2-pre", "--quiet", "--input", product.path, "--output_path", tmp_path / "no" / "dir" / "o.tif")
    assert code == 2 and "no is a file" in err


def test_missing_output_folders_are_created(run_cli, tmp_path, product):
    target = tmp_path / "new" / "dir" / "o.tif"
    code, _, err = run_cli("s2-pre", "--quiet", "--input", product.path, "--output_path", target)
    assert code == 0, err
    assert target.is_file()


def test_trailing_separator_means_a_folder(run_cli, tmp_path, product):
    code, _, err = run_cli("s2-pre", "--quiet", "--input", product.path, "--output_path", f"{tmp_path / 'out'}/")
    assert code == 0, err
    assert [p.name for p in (tmp_path / "out").glob("*.tif")] == [f"{product.path.stem}.tif"]
    assert not (tmp_path / "out").is_file()


def test_existing_output_needs_overwrite(run_cli, tmp_path, product):
    target = tmp_path / "o.tif"
    target.write_bytes(b"old")
    code, _, err = run_cli("s2-pre", "--quiet", "--input", product.path, "--output_path", target)
    assert code == 2 and "already exists; give --overwrite" in err and target.read_bytes() == b"old"
    code, _, err = run_cli("s2-pre", "--quiet", "--overwrite", "--input", product.path, "--output_path", target)
    assert code == 0, err
    assert target.read_bytes()[:2] in (b"II", b"MM")      # a TIFF now


def test_debug_shows_the_chained_cause(run_cli, tmp_path, product):
    code, _, err = run_cli("s2-pre", "--debug", "--input", product.path, "--output_path", tmp_path / "o.tif",
                           "--AoI", "POLYGON((1 2, 3")
    assert code == 2
    assert "direct cause of the following exception" in err and "AoIError" in err
    assert not list(tmp_path.glob("o.tif*"))


def test_landsea_without_dem(run_cli, tmp_path, product):
    assert "--dem" in _bad(run_cli, tmp_path, "--input", product.path, "--landseamask", "Sea")


def test_good_run_and_script_entry_point(tmp_path, product, capsys):
    from ai4c.cli.s2_pre import main

    out = tmp_path / "good.tif"
    assert main(["--input", str(product.path), "--output_path", str(out), "--cloudmask", "L2A", "--quiet"]) == 0
    assert out.exists() and (tmp_path / "good.tif.stac.json").exists()


def test_graph_show_and_edited_graph_runs(run_cli, tmp_path, product):
    code, text, _ = run_cli("graph", "show", "s2-pre")
    assert code == 0
    for step in ("Read", "S2Resampling", "Land-Sea-Mask", "Cloud-Mask", "Subset", "Reproject", "Write"):
        assert f"operator: {step}" in text
    assert "upsampling: Nearest" in text and "downsampling: First" in text
    assert "one of Nearest, Bilinear, Bicubic" in text      # the parameters are described above the steps
    # a graph file of the old operator names still runs (S2-Read is now Read)
    edited = text.replace("cloudmask: None", "cloudmask: L2A").replace("operator: Read", "operator: S2-Read")
    start = edited.index("- operator: Reproject")
    end = edited.index("- operator: Write")
    edited = edited[:start] + edited[end:]
    graph = tmp_path / "g.yaml"
    graph.write_text(edited)
    code, _, err = run_cli("graph", "run", graph, "--input", product.path, "--output_path", tmp_path / "g.tif")
    assert code == 0, err
    import numpy as np
    import rasterio

    with rasterio.open(tmp_path / "g.tif") as src:
        assert src.count == 4 and np.isnan(src.read(1)).any()
