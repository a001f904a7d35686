"""`ai4c timesen2crop prepare`."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command, csv_list


def _prepare_args(parser: argparse.ArgumentParser) -> None:
    """Flags of `timesen2crop prepare`."""
    parser.add_argument("--root", required=True, help="TimeSen2Crop folder holding the tile folders")
    parser.add_argument("--output_dir", required=True, help="folder for train.npy, y_train.npy, val/test sets")
    from ai4c.core.params import add_arguments
    from ai4c.pipelines.parameters import PrepareParameters

    add_arguments(parser, PrepareParameters)


def _prepare(args: argparse.Namespace) -> int:
    """Run the preparation and print the set shapes."""
    from ai4c.core.params import from_namespace
    from ai4c.pipelines.parameters import PrepareParameters
    from ai4c.pipelines.timesen2crop_prepare import prepare

    p = from_namespace(PrepareParameters, args)
    report = prepare(args.root, args.output_dir, csv_list(p.val_tiles or ""), csv_list(p.test_tiles or ""), p.monthly, p.step,
                     p.max_per_class)
    for split, shape in report["shapes"].items():
        print(f"{split}: {shape[0]} samples x {shape[1]} steps x {shape[2]} bands ({', '.join(report['tiles'][split])})")
    return 0


COMMANDS = [
    Command("prepare", "TimeSen2Crop -> train/val/test .npy sets for train_lstm, split by tile",
            _prepare_args, _prepare, group="timesen2crop"),
]
