"""`tile_classifier` / `ai4c classify-tile` (AI4C_LSTMInference.py flags)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command
from ai4c.core.params import add_arguments, from_namespace
from ai4c.pipelines.parameters import TileClassifierParameters


def _args(parser: argparse.ArgumentParser) -> None:
    """The seed's flags plus post-processing and memory parameters (TileClassifierParameters)."""
    parser.add_argument("--input_dir", required=True,
                        help="folder with the .h5 model and optionally a mask GeoTIFF (0 = classify, other = ignore)")
    parser.add_argument("--output_dir", required=True,
                        help="folder for CropType_<tile>_<YYYY>.tif (+ STAC, PNG); created when missing")
    parser.add_argument("--mc_dir", required=True, help="folder with the 12 monthly composites MC_<tile>_<YYYYMM>.tif")
    add_arguments(parser, TileClassifierParameters)


def _run(args: argparse.Namespace) -> int:
    """Classify and print the output path."""
    from ai4c.pipelines.classify_tile import run

    p = from_namespace(TileClassifierParameters, args)
    path = run(args.input_dir, args.output_dir, args.mc_dir, p.majority_size, p.min_patch, p.block, p.batch,
               p.quicklook)
    print(f"crop-type map: {path}")
    return 0


COMMANDS = [Command("classify-tile", "classify a tile's monthly composites with the LSTM (seed §5.2.5)", _args, _run,
                    script="tile_classifier")]
main = COMMANDS[0].main
