"""Opens a plan.gpkg as QGIS does and reports what QGIS sees, as JSON on stdout.

Usage: open_plan.py PLAN.GPKG IMAGE.PNG LAYER...

For each layer: whether QGIS finds it valid, its feature count, the renderer QGIS applied
(from the GeoPackage's default style in layer_styles, which QGIS loads when it opens a
layer) and the renderer the stored QML declares (read from the file with sqlite3, not
through QGIS); and each `<layer>.fgb` beside the file, its validity and count. Then every
layer of the GeoPackage is rendered together into IMAGE.PNG, and the share of
pixels that are not the white background is reported. Run headless
(QT_QPA_PLATFORM=offscreen) by tests/qgis.rs.
"""

import json
import os
import re
import sqlite3
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402

SIZE = 600


def declared_renderers(gpkg):
    """The renderer type each layer's default QML declares."""
    db = sqlite3.connect(gpkg)
    rows = db.execute(
        "SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault = 1"
    ).fetchall()
    db.close()
    found = {}
    for table, qml in rows:
        match = re.search(r'<renderer-v2[^>]*\stype="([^"]+)"', qml)
        found[table] = match.group(1) if match else None
    return found


def qml_of(gpkg, table):
    db = sqlite3.connect(gpkg)
    row = db.execute(
        "SELECT styleQML FROM layer_styles WHERE useAsDefault = 1 AND f_table_name = ?", (table,)
    ).fetchone()
    db.close()
    return row[0] if row else None


def main():
    gpkg, image, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    app = QgsApplication([], False)
    app.initQgis()
    declared = declared_renderers(gpkg)
    report = {"layers": {}}
    layers = []
    extent = None
    for name in names:
        layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
        renderer = layer.renderer()
        colour = None
        if renderer is not None and renderer.type() == "singleSymbol":
            # QGIS's own single-symbol default has a random colour: the style's is in its QML.
            c = renderer.symbol().color()
            colour = f"{c.red()},{c.green()},{c.blue()},{c.alpha()}"
        report["layers"][name] = {
            "valid": layer.isValid(),
            "count": layer.featureCount(),
            "renderer": renderer.type() if renderer else None,
            "declared": declared.get(name),
            "colour": colour,
            "qml": qml_of(gpkg, name),
        }
        if layer.isValid():
            layers.append(layer)
            if layer.featureCount() > 0:
                e = QgsRectangle(layer.extent())
                if extent is None:
                    extent = e
                else:
                    extent.combineExtentWith(e)
    # Each layer's FlatGeobuf beside the GeoPackage (`--fgb`), opened as QGIS opens a file.
    report["fgb"] = {}
    folder = os.path.dirname(gpkg)
    for name in names:
        path = os.path.join(folder, name + ".fgb")
        if os.path.exists(path):
            layer = QgsVectorLayer(path, name, "ogr")
            report["fgb"][name] = {"valid": layer.isValid(), "count": layer.featureCount()}
    settings = QgsMapSettings()
    # The list is drawn top first: the plan over the parcels.
    settings.setLayers(layers)
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setOutputSize(QSize(SIZE, SIZE))
    settings.setExtent(extent if extent is not None else QgsRectangle(0, 0, 1, 1))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    rendered = job.renderedImage()
    rendered.save(image)
    drawn = 0
    for y in range(0, rendered.height(), 2):
        for x in range(0, rendered.width(), 2):
            if rendered.pixelColor(x, y) != QColor(255, 255, 255):
                drawn += 1
    sampled = ((rendered.height() + 1) // 2) * ((rendered.width() + 1) // 2)
    report["drawn_share"] = drawn / sampled
    report["errors"] = [str(e) for e in job.errors()]
    print(json.dumps(report), flush=True)
    # PyQGIS 3.22 may crash tearing down layers after exitQgis(); everything is written, so
    # leave without the teardown.
    os._exit(0)


main()
