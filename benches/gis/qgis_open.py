"""QGIS opening each file given (benches/gis/open_times.sh): the median of 3 of creating the
layer and counting its features, headless."""
import os, sys, time, statistics
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False); app.initQgis()
for path in sys.argv[1:]:
    uri = path
    if path.endswith(".gpkg"):
        name = os.path.basename(path)[:-5]
        uri = f"{path}|layername={name}"
    times = []
    for _ in range(3):
        t = time.perf_counter()
        layer = QgsVectorLayer(uri, "x", "ogr")
        n = layer.featureCount()
        times.append(time.perf_counter() - t)
        assert layer.isValid()
        del layer
    print(f"{os.path.basename(path)}\t{statistics.median(times):.3f}\t{n}", flush=True)
os._exit(0)
