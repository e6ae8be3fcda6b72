#!/usr/bin/env bash
# How long GIS tools take to open the county's layers that `cargo bench --bench formats`
# wrote (docs/benchmarks.md, "GIS formats at county scale"):
#   GRIDSITE_FORMATS_KEEP=/tmp/county-formats cargo bench --bench formats
#   bash benches/gis/open_times.sh /tmp/county-formats
# Prints, per file, the median of 3 runs of `ogrinfo -ro -so -al` (a fresh process each),
# then QGIS's (PyQGIS, headless: the layer and its feature count), then pyarrow's read_table
# of the GeoParquet files (GDAL 3.6 has no Parquet driver).
set -euo pipefail
dir=${1:?usage: open_times.sh DIR}
here="$(cd "$(dirname "$0")" && pwd)"
median() { sort -n | sed -n 2p; }
echo "file ogrinfo_s"
for layer in excluded candidates; do
  for ext in geojson gpkg fgb; do
    f="$dir/$layer.$ext"
    for _ in 1 2 3; do
      start=$(date +%s.%N)
      ogrinfo -ro -so -al "$f" >/dev/null 2>&1
      echo "$(date +%s.%N) - $start" | bc
    done | median | sed "s|^|$layer.$ext |"
  done
done
echo "file qgis_s features"
QT_QPA_PLATFORM=offscreen /usr/bin/python3 "$here/qgis_open.py" \
  "$dir"/excluded.{geojson,gpkg,fgb} "$dir"/candidates.{geojson,gpkg,fgb} 2>/dev/null
echo "file pyarrow_s rows"
for layer in excluded candidates; do
  /usr/bin/python3 - "$dir/$layer.parquet" <<'PY'
import statistics, sys, time
import pyarrow.parquet as pq
times = []
for _ in range(3):
    start = time.perf_counter()
    table = pq.read_table(sys.argv[1])
    times.append(time.perf_counter() - start)
print(sys.argv[1].rsplit("/", 1)[-1], round(statistics.median(times), 3), table.num_rows)
PY
done
