"""`S2-preprocess` / `ai4c s2-pre`: Sentinel-2 L1C/L2A -> one analysis-ready reflectance raster (seed §4.2.3)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command
from ai4c.cli.options import add_output_path
from ai4c.core.params import add_arguments, from_namespace
from ai4c.pipelines.parameters import S2PreParameters


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, metavar="PATH", help="S2 L1C or L2A product: .SAFE folder or zip")
    add_output_path(parser)
    add_arguments(parser, S2PreParameters)


def _run(args: argparse.Namespace) -> int:
    from ai4c.core.allocator import keep_freed_strips
    from ai4c.core.lazyraster import import_rasterio_without_boto3
    from ai4c.pipelines.s2_pre import run

    keep_freed_strips()
    import_rasterio_without_boto3()
    path = run(args.input, args.output_path, from_namespace(S2PreParameters, args))
    if not args.quiet:
        print(path)
    return 0


COMMANDS = [Command("s2-pre", "Sentinel-2 pre-processing: resample, mask clouds/land/sea, crop, reproject",
                    _arguments, _run, script="S2-preprocess")]
main = COMMANDS[0].main
