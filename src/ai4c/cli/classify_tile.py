"""`tile_classifier` / `ai4c classify-tile` (AI4C_LSTMInference.py flags)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command


def _args(parser: argparse.ArgumentParser) -> None:
    """The seed's flags plus post-processing and memory parameters."""
    parser.add_argument("--input_dir", required=True,
                        help="folder with the .h5 model and optionally a mask GeoTIFF (0 = classify, other = ignore)")
    parser.add_argument("--output_dir", required=True, help="folder for CropType_<tile>_<YYYY>.tif (+ STAC, PNG)")
    parser.add_argument("--mc_dir", required=True, help="folder with the 12 monthly composites MC_<tile>_<YYYYMM>.tif")
    parser.add_argument("--majority_size", type=int, default=3, help="majority filter window, odd (1 = off; default 3)")
    parser.add_argument("--min_patch", type=int, default=10,
                        help="patches smaller than this many pixels merge into their neighbours (0 = off; default 10)")
    parser.add_argument("--block", type=int, default=1024, help="block side in pixels (memory ~ 0.5 GB at 1024)")
    parser.add_argument("--no-quicklook", dest="quicklook", action="store_false", help="skip the PNG quick-look")


def _run(args: argparse.Namespace) -> int:
    """Classify and print the output path."""
    from ai4c.pipelines.classify_tile import run

    path = run(args.input_dir, args.output_dir, args.mc_dir, args.majority_size, args.min_patch, args.block,
               quicklook=args.quicklook)
    print(f"crop-type map: {path}")
    return 0


COMMANDS = [Command("classify-tile", "classify a tile's monthly composites with the LSTM (seed §5.2.5)", _args, _run,
                    script="tile_classifier")]
main = COMMANDS[0].main
