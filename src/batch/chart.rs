//! `comparison.svg`: a batch's comparison as a chart a planner can take in at a glance.
//!
//! Takes the rows of a batch comparison ([`ComparisonRow`], one a scenario, in the order given);
//! gives an SVG document with one horizontal row per scenario, its name on the left, and three
//! panels sharing that scenario axis:
//!
//! 1. cost per MW placed (M USD/MW),
//! 2. MW placed (bar) against the target (black marker),
//! 3. the share of substation headroom used (0–100 %).
//!
//! Scenarios without a plan (`infeasible`, `no_candidates`, `error`, ...) keep their row, tinted
//! red, with their status written in each panel instead of a bar. Values that are missing or not
//! finite are written `n/a`. The document is sized to the number of rows, and the same rows
//! always give the same bytes.
//!
//! Text is left to the SVG viewer: `plotters` is built without a font backend (no `ttf`, no
//! `ab_glyph`), so it never reads a font file or asks the system for one; it places text by
//! anchors and only estimates widths where it must. The name column is sized here from the
//! longest name.

use std::io::Write;
use std::ops::Range;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ComparisonRow;
use crate::files::{WriteError, write_atomically};

/// The chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot draw the comparison chart: {0}")]
    Draw(String),
}

/// `comparison.svg` could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum ChartWriteError {
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

type DrawResult<T = ()> = Result<T, DrawingAreaErrorKind<std::io::Error>>;
type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Names longer than this many characters lose their middle to an ellipsis.
const MAX_NAME_CHARS: usize = 72;
/// Pixel height of one scenario row.
const ROW_PX: u32 = 22;
/// Pixel width of each of the three panels.
const PANEL_PX: u32 = 290;
/// Pixels between panels.
const GAP_PX: u32 = 28;
/// Outer margin.
const MARGIN_PX: u32 = 16;
/// Title, legend and panel titles above the rows.
const HEADER_PX: u32 = 96;
/// Tick labels and axis descriptions below the rows.
const AXIS_PX: u32 = 48;
/// Font sizes, in SVG pixels.
const TITLE_FONT: f64 = 18.0;
const TEXT_FONT: f64 = 12.0;
const SMALL_FONT: f64 = 11.0;
/// Average glyph width of a sans-serif font, in em, to size the name column.
const GLYPH_EM: f64 = 0.6;

const BAR: RGBColor = RGBColor(76, 120, 168);
const TARGET: RGBColor = RGBColor(20, 20, 20);
const STRIPE: RGBColor = RGBColor(244, 246, 248);
const FAILED_BAND: RGBColor = RGBColor(252, 228, 224);
const FAILED_TEXT: RGBColor = RGBColor(176, 32, 24);
const MUTED: RGBColor = RGBColor(110, 110, 110);
const GRID: RGBColor = RGBColor(215, 215, 215);

/// The chart of a batch comparison, as an SVG document.
pub fn comparison_svg(rows: &[ComparisonRow]) -> Result<String, ChartError> {
    let layout = Layout::new(rows);
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (layout.width, layout.height)).into_drawing_area();
        draw(&root, rows, &layout).map_err(|e| ChartError::Draw(e.to_string()))?;
        root.present()
            .map_err(|e| ChartError::Draw(e.to_string()))?;
    }
    if !svg.ends_with('\n') {
        svg.push('\n');
    }
    Ok(svg)
}

/// Writes [`comparison_svg`] to `path`, whole or not at all.
pub fn write_comparison_svg(path: &Path, rows: &[ComparisonRow]) -> Result<(), ChartWriteError> {
    let svg = comparison_svg(rows)?;
    write_atomically(path, |w| w.write_all(svg.as_bytes()))?;
    Ok(())
}

/// Pixel sizes, from the rows.
struct Layout {
    width: u32,
    height: u32,
    /// Width of the column of scenario names.
    names_px: u32,
}

impl Layout {
    fn new(rows: &[ComparisonRow]) -> Self {
        if rows.is_empty() {
            return Layout {
                width: 640,
                height: 120,
                names_px: 0,
            };
        }
        let longest = rows
            .iter()
            .map(|r| shown_name(&r.scenario).chars().count())
            .max()
            .unwrap_or(0)
            .max(8);
        let names_px = (longest as f64 * TEXT_FONT * GLYPH_EM).ceil() as u32 + 12;
        let rows_px = ROW_PX * (rows.len().max(1) as u32);
        Layout {
            width: 2 * MARGIN_PX + names_px + 3 * PANEL_PX + 2 * GAP_PX,
            height: 2 * MARGIN_PX + HEADER_PX + rows_px + AXIS_PX,
            names_px,
        }
    }
}

/// A scenario name, its middle cut out when it is too long to show.
fn shown_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= MAX_NAME_CHARS {
        return name.to_string();
    }
    let head = (MAX_NAME_CHARS - 1) / 2;
    let tail = MAX_NAME_CHARS - 1 - head;
    let mut shown: String = chars[..head].iter().collect();
    shown.push('…');
    shown.extend(&chars[chars.len() - tail..]);
    shown
}

/// Whether the row's scenario has a plan.
fn has_plan(row: &ComparisonRow) -> bool {
    matches!(row.status.as_str(), "optimal" | "feasible")
}

/// A finite value, or nothing.
fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite())
}

/// A value with `decimals` decimals, or in scientific notation when it is too large for that
/// to be readable; nothing when it is not finite.
fn number(value: f64, decimals: usize) -> Option<String> {
    if !value.is_finite() {
        None
    } else if value.abs() >= 1e12 {
        Some(format!("{value:.2e}"))
    } else {
        Some(format!("{value:.decimals$}"))
    }
}

/// A text style of `px` SVG pixels (plotters writes `font-size` as the size over 1.24).
fn font(px: f64) -> TextStyle<'static> {
    styled(px, FontStyle::Normal)
}

fn styled(px: f64, style: FontStyle) -> TextStyle<'static> {
    TextStyle::from(FontDesc::new(FontFamily::SansSerif, px * 1.24, style))
}

fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// One panel: what it shows of a row, and how.
struct Panel {
    title: &'static str,
    axis: &'static str,
    /// The bar's value (and, for MW, the target) of a row with a plan.
    bar: fn(&ComparisonRow) -> Option<f64>,
    target: fn(&ComparisonRow) -> Option<f64>,
    /// The label at the end of the bar.
    label: fn(&ComparisonRow) -> Option<String>,
    /// A fixed axis range, or one from the values.
    fixed: Option<Range<f64>>,
    /// Decimals of the tick labels, from the axis span.
    ticks: fn(f64) -> usize,
}

fn panels() -> [Panel; 3] {
    [
        Panel {
            title: "Cost per MW placed",
            axis: "M USD per MW",
            bar: |r| finite(r.usd_per_mw).map(|v| v / 1e6),
            target: |_| None,
            label: |r| finite(r.usd_per_mw).and_then(|v| number(v / 1e6, 2)),
            fixed: None,
            ticks: |span| {
                if span >= 5.0 {
                    0
                } else if span >= 0.5 {
                    1
                } else {
                    2
                }
            },
        },
        Panel {
            title: "MW placed vs target",
            axis: "MW (bar: placed, black mark: target)",
            bar: |r| finite(r.total_mw),
            target: |r| finite(r.target_mw),
            label: |r| {
                let mw = finite(r.total_mw).and_then(|mw| number(mw, 0))?;
                match finite(r.target_mw).and_then(|t| number(t, 0)) {
                    Some(target) => Some(format!("{mw} / {target}")),
                    None => Some(mw),
                }
            },
            fixed: None,
            ticks: |span| if span >= 5.0 { 0 } else { 1 },
        },
        Panel {
            title: "Substation headroom used",
            axis: "% of available firm MW",
            bar: |r| finite(r.headroom_used_share).map(|s| (s * 100.0).clamp(0.0, 100.0)),
            target: |_| None,
            label: |r| {
                finite(r.headroom_used_share)
                    .and_then(|s| number(s * 100.0, 0))
                    .map(|s| format!("{s} %"))
            },
            fixed: Some(0.0..100.0),
            ticks: |_| 0,
        },
    ]
}

impl Panel {
    /// The x range: from 0 (or below, for negative values) to past the largest value, with
    /// room for the labels at the bars' ends.
    fn range(&self, rows: &[ComparisonRow]) -> Range<f64> {
        if let Some(fixed) = &self.fixed {
            return fixed.clone();
        }
        let values = rows
            .iter()
            .filter(|r| has_plan(r))
            .flat_map(|r| [(self.bar)(r), (self.target)(r)])
            .flatten();
        let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            return 0.0..1.0;
        }
        let room = (hi - lo) * 0.22;
        let range = (if lo < 0.0 { lo - room } else { lo })..(hi + room);
        if range.start.is_finite() && range.end.is_finite() {
            range
        } else {
            0.0..1.0
        }
    }
}

fn draw(root: &Area, rows: &[ComparisonRow], layout: &Layout) -> DrawResult {
    root.fill(&WHITE)?;
    let failed = rows.iter().filter(|r| !has_plan(r)).count();
    let title = match rows.len() {
        0 => "Batch comparison: no scenarios".to_string(),
        1 => format!("Batch comparison: 1 scenario{}", without_plan(failed)),
        n => format!("Batch comparison: {n} scenarios{}", without_plan(failed)),
    };
    let centre = (layout.width / 2) as i32;
    root.draw(&Text::new(
        title,
        (centre, MARGIN_PX as i32),
        anchored(styled(TITLE_FONT, FontStyle::Bold), HPos::Center, VPos::Top),
    ))?;
    if rows.is_empty() {
        root.draw(&Text::new(
            "The batch has no scenarios to compare.",
            (centre, (MARGIN_PX + HEADER_PX) as i32),
            anchored(font(TEXT_FONT).color(&MUTED), HPos::Center, VPos::Center),
        ))?;
        return Ok(());
    }
    draw_legend(root, layout)?;

    let top = MARGIN_PX + HEADER_PX;
    let bottom = MARGIN_PX;
    let panel_height = layout.height - top - bottom;
    let first_x = MARGIN_PX + layout.names_px;
    for (i, panel) in panels().iter().enumerate() {
        let x = first_x + i as u32 * (PANEL_PX + GAP_PX);
        let area = root.clone().shrink((x, top), (PANEL_PX, panel_height));
        draw_panel(root, &area, panel, rows, i == 0)?;
    }
    Ok(())
}

fn without_plan(failed: usize) -> String {
    match failed {
        0 => String::new(),
        n => format!(" ({n} without a plan)"),
    }
}

/// The key: what a bar, the target mark and a red row mean.
fn draw_legend(root: &Area, layout: &Layout) -> DrawResult {
    let y = (MARGIN_PX + 34) as i32;
    let mut x = (MARGIN_PX + layout.names_px) as i32;
    let text = |s: &str, x: i32| {
        Text::new(
            s.to_string(),
            (x, y),
            anchored(font(SMALL_FONT).color(&MUTED), HPos::Left, VPos::Center),
        )
    };
    root.draw(&Rectangle::new([(x, y - 6), (x + 22, y + 6)], BAR.filled()))?;
    root.draw(&text("value of a scenario with a plan", x + 28))?;
    x += 240;
    root.draw(&Rectangle::new(
        [(x + 9, y - 8), (x + 12, y + 8)],
        TARGET.filled(),
    ))?;
    root.draw(&text("target MW", x + 28))?;
    x += 120;
    root.draw(&Rectangle::new(
        [(x, y - 8), (x + 22, y + 8)],
        FAILED_BAND.filled(),
    ))?;
    root.draw(&text(
        "no plan: the scenario's status is written instead of a bar",
        x + 28,
    ))?;
    Ok(())
}

/// One panel's chart; the first also writes the scenario names to its left.
fn draw_panel(
    root: &Area,
    area: &Area,
    panel: &Panel,
    rows: &[ComparisonRow],
    with_names: bool,
) -> DrawResult {
    let n = rows.len() as f64;
    let x_range = panel.range(rows);
    let (x0, x1) = (x_range.start, x_range.end);
    let decimals = (panel.ticks)(x1 - x0);
    let tick_format = move |v: &f64| number(*v, decimals).unwrap_or_default();
    let mut chart = ChartBuilder::on(area)
        .x_label_area_size(AXIS_PX)
        .margin_right(8)
        .build_cartesian_2d(x_range.clone(), 0.0..n)?;

    // Row i sits between n - i - 1 and n - i, so the first row is at the top.
    let band = |i: usize| (n - i as f64 - 1.0, n - i as f64);
    chart.draw_series(rows.iter().enumerate().filter_map(|(i, row)| {
        let (lo, hi) = band(i);
        let colour = if !has_plan(row) {
            FAILED_BAND
        } else if i % 2 == 1 {
            STRIPE
        } else {
            return None;
        };
        Some(Rectangle::new([(x0, lo), (x1, hi)], colour.filled()))
    }))?;

    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_labels(6)
        .x_label_formatter(&tick_format)
        .x_label_style(font(SMALL_FONT))
        .x_desc(panel.axis)
        .axis_desc_style(font(TEXT_FONT))
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(MUTED.stroke_width(1))
        .draw()?;

    // The zero line.
    chart.draw_series(std::iter::once(PathElement::new(
        [(0.0f64.clamp(x0, x1), 0.0), (0.0f64.clamp(x0, x1), n)],
        MUTED.stroke_width(1),
    )))?;

    let left = |s: String, style: TextStyle<'static>, at: (f64, f64), dx: i32| {
        EmptyElement::at(at) + Text::new(s, (dx, 0), anchored(style, HPos::Left, VPos::Center))
    };
    for (i, row) in rows.iter().enumerate() {
        let (lo, hi) = band(i);
        let middle = (lo + hi) / 2.0;
        if !has_plan(row) {
            let style = styled(SMALL_FONT, FontStyle::Italic).color(&FAILED_TEXT);
            chart.draw_series(std::iter::once(left(
                match row.status.trim() {
                    "" => "✕ no plan".to_string(),
                    status => format!("✕ {status}"),
                },
                style,
                (0.0f64.clamp(x0, x1), middle),
                6,
            )))?;
            continue;
        }
        let Some(value) = (panel.bar)(row) else {
            chart.draw_series(std::iter::once(left(
                "n/a".to_string(),
                font(SMALL_FONT).color(&MUTED),
                (0.0f64.clamp(x0, x1), middle),
                6,
            )))?;
            continue;
        };
        let value = value.clamp(x0, x1);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0f64.clamp(x0, x1), lo + 0.18), (value, hi - 0.18)],
            BAR.filled(),
        )))?;
        let target = (panel.target)(row).map(|t| t.clamp(x0, x1));
        if let Some(t) = target {
            chart.draw_series(std::iter::once(PathElement::new(
                [(t, lo + 0.06), (t, hi - 0.06)],
                TARGET.stroke_width(3),
            )))?;
        }
        if let Some(label) = (panel.label)(row) {
            let end = target.map_or(value, |t| t.max(value)).max(0.0);
            if (end - x0) / (x1 - x0) > 0.85 {
                // No room past the bar's end: the label goes inside it.
                let style = font(SMALL_FONT).color(&WHITE);
                chart.draw_series(std::iter::once(
                    EmptyElement::at((end, middle))
                        + Text::new(label, (-5, 0), anchored(style, HPos::Right, VPos::Center)),
                ))?;
            } else {
                chart.draw_series(std::iter::once(left(
                    label,
                    font(SMALL_FONT).color(&BLACK),
                    (end, middle),
                    5,
                )))?;
            }
        }
    }

    if with_names {
        for (i, row) in rows.iter().enumerate() {
            let (lo, hi) = band(i);
            let (x, y) = chart.backend_coord(&(x0, (lo + hi) / 2.0));
            let colour: &'static RGBColor = if has_plan(row) { &BLACK } else { &FAILED_TEXT };
            root.draw(&Text::new(
                shown_name(&row.scenario),
                (x - 8, y),
                anchored(font(TEXT_FONT).color(colour), HPos::Right, VPos::Center),
            ))?;
        }
    }

    let (px, _) = chart.plotting_area().get_pixel_range();
    let title_y = (MARGIN_PX + HEADER_PX - 14) as i32;
    root.draw(&Text::new(
        panel.title,
        ((px.start + px.end) / 2, title_y),
        anchored(
            styled(TEXT_FONT + 1.0, FontStyle::Bold),
            HPos::Center,
            VPos::Bottom,
        ),
    ))?;
    Ok(())
}
