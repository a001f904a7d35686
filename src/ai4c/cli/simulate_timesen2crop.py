"""`ai4c simulate timesen2crop`: a TimeSen2Crop dataset in the real layout from a known crop truth."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command, csv_list


def _simulate_args(parser: argparse.ArgumentParser) -> None:
    """Flags of `simulate timesen2crop`."""
    parser.add_argument("--root", required=True, help="new folder for the simulated dataset")
    parser.add_argument("--tiles", type=csv_list, default=None,
                        help="comma-separated TimeSen2Crop tiles (default: the 15 tiles of the real set)")
    parser.add_argument("--samples_per_class", "--samples-per-class", dest="samples_per_class", type=int,
                        default=50, help="samples per class and tile, scaled by class frequency (default 50)")
    parser.add_argument("--balanced", action="store_true", help="the same number of samples in every class")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def _simulate(args: argparse.Namespace) -> int:
    """Write the simulated dataset."""
    from ai4c.simulate.crops.timesen2crop import simulate_dataset

    root = simulate_dataset(args.root, args.tiles, args.samples_per_class, args.seed, args.balanced)
    print(f"simulated TimeSen2Crop written to {root}")
    return 0


COMMANDS = [
    Command("timesen2crop", "simulate a TimeSen2Crop dataset (real layout, per-class phenology, clouds)",
            _simulate_args, _simulate, group="simulate"),
]
