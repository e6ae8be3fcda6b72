"""Reads a GeoParquet file with pyarrow, an independent reader, and prints what it holds as
JSON: the row count, each column's Arrow type, the `geo` metadata (from the file's footer, and
as pyarrow's schema carries it), and every row (its
properties, its `bbox` struct, and its geometry's type and coordinates decoded from the WKB
here, by hand).

Usage: read_geoparquet.py FILE.parquet (run by tests/gis_outputs.rs).
"""

import json
import struct
import sys

import pyarrow.parquet as pq

TYPES = {1: "Point", 2: "LineString", 3: "Polygon", 5: "MultiLineString", 6: "MultiPolygon"}


def read_wkb(data, at=0):
    """(type name, flat coordinates, next offset) of the WKB geometry at `at`."""
    order = "<" if data[at] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", data, at + 1)
    at += 5
    coords = []

    def points(at):
        (n,) = struct.unpack_from(order + "I", data, at)
        at += 4
        for _ in range(n):
            coords.extend(struct.unpack_from(order + "dd", data, at))
            at += 16
        return at

    if kind == 1:
        coords.extend(struct.unpack_from(order + "dd", data, at))
        at += 16
    elif kind == 2:
        at = points(at)
    elif kind == 3:
        (rings,) = struct.unpack_from(order + "I", data, at)
        at += 4
        for _ in range(rings):
            at = points(at)
    elif kind in (5, 6):
        (parts,) = struct.unpack_from(order + "I", data, at)
        at += 4
        for _ in range(parts):
            _, part, at = read_wkb(data, at)
            coords.extend(part)
    else:
        raise ValueError("unexpected WKB type %d" % kind)
    return TYPES[kind], coords, at


def main():
    path = sys.argv[1]
    table = pq.read_table(path)
    # GeoParquet's `geo` is in the file's key-value metadata (the footer), where DuckDB and
    # GDAL look; pyarrow's schema, which geopandas reads, must carry the same.
    footer = pq.read_metadata(path).metadata or {}
    geo = json.loads(footer[b"geo"]) if b"geo" in footer else None
    schema_geo = (table.schema.metadata or {}).get(b"geo")
    schema_geo = json.loads(schema_geo) if schema_geo is not None else None
    rows = []
    for row in table.to_pylist():
        wkb = row.pop("geometry")
        bbox = row.pop("bbox", None)
        kind, coords, end = read_wkb(wkb)
        assert end == len(wkb), "trailing bytes after the geometry"
        rows.append({"properties": row, "type": kind, "coordinates": coords, "bbox": bbox})
    print(json.dumps({
        "num_rows": table.num_rows,
        "types": {f.name: str(f.type) for f in table.schema},
        "geo": geo,
        "schema_geo": schema_geo,
        "rows": rows,
    }))


main()
