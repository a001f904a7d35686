"""`ai4c catalog index`, `ai4c search` and `ai4c download`."""

from __future__ import annotations

import argparse
import json

from ai4c.cli.app import Command


def _provider_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", default="local", help="local (default), creodias, cdse-odata, stac, or your own")
    parser.add_argument("--provider_config", "--provider-config", default=None, metavar="YAML", help="extra/overriding provider entries")
    parser.add_argument("--catalog", default=None, help="local catalogue file (provider local)")
    parser.add_argument("--endpoint", default=None, help="override the provider's endpoint URL")


def _overrides(args: argparse.Namespace) -> dict:
    return {"catalog": args.catalog, "endpoint": args.endpoint}


def _index_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="folder or s3://bucket/prefix with SAFE products and S5P NetCDF files")
    parser.add_argument("--catalog", required=True, help="catalogue file to create or update (SQLite)")
    parser.add_argument("--endpoint_url", "--endpoint-url", default=None, help="S3 endpoint URL (else AI4C_S3_ENDPOINT)")
    parser.add_argument("--earthqa_store", "--earthqa-store", default=None, metavar="DIR",
                        help="also bring this EarthQA store up to date with the catalogue (new, changed and "
                             "removed products; unchanged ones are left alone)")


def _index(args: argparse.Namespace) -> int:
    from ai4c.catalog.index import build_index

    count = build_index(args.source, args.catalog, args.endpoint_url)
    print(f"indexed {count} products into {args.catalog}")
    if args.earthqa_store:
        from ai4c.pipelines.earthqa_index import index

        print(f"EarthQA store {args.earthqa_store}: {index(args.earthqa_store, catalog=args.catalog)}")
    return 0


def _search_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--collection", required=True, help="SENTINEL-1, SENTINEL-2, SENTINEL-5P, ...")
    parser.add_argument("--product_type", "--product-type", default=None, help="e.g. L2__CO____, S2MSI2A, GRD")
    parser.add_argument("--start", required=True, help="period start, ISO 8601")
    parser.add_argument("--end", required=True, help="period end, ISO 8601")
    parser.add_argument("--aoi", default=None, help="WKT polygon in lon/lat or a vector file")
    parser.add_argument("--max", type=int, default=100, help="maximum number of results")
    parser.add_argument("--format", choices=["table", "json", "stac"], default="table")
    _provider_options(parser)


def _search(args: argparse.Namespace) -> int:
    from ai4c.catalog.model import SearchQuery, parse_time
    from ai4c.catalog.search import load_providers, search
    from ai4c.core.aoi import parse_aoi

    aoi = parse_aoi(args.aoi)
    query = SearchQuery(collection=args.collection, product_type=args.product_type, start=parse_time(args.start),
                        end=parse_time(args.end), aoi=aoi.to_crs("EPSG:4326") if aoi else None, max_results=args.max)
    results = search(query, args.provider, providers=load_providers(args.provider_config), **_overrides(args))
    for product in results:
        if args.format == "table":
            print(f"{product.id}\t{product.start:%Y-%m-%dT%H:%M:%SZ}\t{product.product_type}\t{product.href}")
        else:
            print(json.dumps(product.to_stac() if args.format == "stac" else product.to_json()))
    return 0


def _download_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", help="product id as listed by `ai4c search`")
    parser.add_argument("--output", required=True, help="folder to download into")
    parser.add_argument("--catalog", required=True, help="local catalogue holding the product")


def _download(args: argparse.Namespace) -> int:
    from ai4c.catalog import local
    from ai4c.catalog.download import download
    from ai4c.core.errors import InputNotFoundError

    db = local.connect(args.catalog)
    product = local.get(db, args.id)
    db.close()
    if product is None:
        raise InputNotFoundError(f"product {args.id!r} is not in {args.catalog}; find ids with `ai4c search`")
    print(download(product, args.output, progress=True))
    return 0


COMMANDS = [
    Command("index", "index SAFE and S5P products of a folder or s3:// prefix into a local catalogue",
            _index_arguments, _index, group="catalog"),
    Command("search", "search a catalogue provider (local, resto, OData, STAC)", _search_arguments, _search),
    Command("download", "download a catalogued product from S3 or a local path (resume, checksum)",
            _download_arguments, _download),
]
