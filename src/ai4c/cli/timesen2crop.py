"""`ai4c timesen2crop prepare`."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command, csv_list


def _prepare_args(parser: argparse.ArgumentParser) -> None:
    """Flags of `timesen2crop prepare`."""
    parser.add_argument("--root", required=True, help="TimeSen2Crop folder holding the tile folders")
    parser.add_argument("--output_dir", required=True, help="folder for train.npy, y_train.npy, val/test sets")
    parser.add_argument("--val_tiles", "--val-tiles", dest="val_tiles", type=csv_list, default=[],
                        help="comma-separated tiles for the validation set (e.g. 33UVP)")
    parser.add_argument("--test_tiles", "--test-tiles", dest="test_tiles", type=csv_list, default=[],
                        help="comma-separated tiles for the test set")
    parser.add_argument("--monthly", action="store_true",
                        help="12 monthly medians of the clear samples (Sep..Aug), the monthlycomposite features")
    parser.add_argument("--step", type=int, default=10,
                        help="without --monthly: days between the interpolated clear-sky samples (default 10)")
    parser.add_argument("--max_per_class", "--max-per-class", dest="max_per_class", type=int, default=None,
                        help="read at most this many samples per class and tile")


def _prepare(args: argparse.Namespace) -> int:
    """Run the preparation and print the set shapes."""
    from ai4c.pipelines.timesen2crop_prepare import prepare

    report = prepare(args.root, args.output_dir, args.val_tiles, args.test_tiles, args.monthly, args.step,
                     args.max_per_class)
    for split, shape in report["shapes"].items():
        print(f"{split}: {shape[0]} samples x {shape[1]} steps x {shape[2]} bands ({', '.join(report['tiles'][split])})")
    return 0


COMMANDS = [
    Command("prepare", "TimeSen2Crop -> train/val/test .npy sets for train_lstm, split by tile",
            _prepare_args, _prepare, group="timesen2crop"),
]
