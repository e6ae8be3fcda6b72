//! The page's hosting charts (docs/profiles-and-queue.md, "Headroom over time and the queue"): for each
//! substation of the plan that has a load profile, two small SVG charts drawn here with
//! `plotters` (SVG backend, no font backend, like the batch's `comparison.svg`):
//!
//! 1. the load-duration curve: the existing load, hours sorted from the highest load to the
//!    lowest (x: cumulative weight, hours of the year; y: MW), the same with the plan's new
//!    load on top, and the most load the substation carries in each hour (existing load plus
//!    the room for new load, `load(h) + avail(h)`); where the second curve rises above the
//!    third the new load is curtailed, and the area between them, shaded, is its curtailed
//!    energy. With `max_headroom_share = 1` that limit is the horizontal line at peak + firm
//!    room, which is drawn dashed in every case (below a share of 1 the limit sinks a little
//!    in hours of lower load, since only that share of the freed room is given);
//! 2. the MW-against-curtailment curve: `L*` ([`HourlyRoom::hosting_mw`]) against the energy
//!    budget in % (x), under the scenario's hours cap and queue, in the plan's upgrade state,
//!    with the scenario's budget and the plan's new load marked.
//!
//! Takes the result of `optimize`; gives the page's section (nothing on a map without
//! profiles, or for a plan that draws on no profiled substation). Curves have at most
//! [`MAX_CURVE_POINTS`] points; every figure the captions show is also in the figure's
//! `data-*` attributes, exact. Deterministic: the same plan gives the same bytes.

use maud::{Markup, PreEscaped, html};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::tables::figure;
use crate::hosting::{Budget, Curtailment, HOSTING_BUDGETS_PCT, HourlyRoom};
use crate::layers::{LoadProfiles, ProfileColumn, Substation};
use crate::outcome::Optimized;
use crate::scenario::Scenario;

/// Points a curve of the load-duration chart keeps at most.
pub const MAX_CURVE_POINTS: usize = 500;
/// Rows (hours) at the top of the load-duration curve always drawn exactly.
const HEAD_ROWS: usize = 100;
/// The budgets (%) the MW-against-curtailment curve is always computed at, besides an even
/// spacing and the scenario's own budget.
const NAMED_BUDGETS_PCT: [f64; 6] = [0.1, 0.25, 0.5, 0.75, 1.0, 5.0];
/// Even steps of the MW-against-curtailment curve across its x range.
const BUDGET_STEPS: usize = 50;

/// Chart size, SVG pixels.
const CHART_W: u32 = 480;
const CHART_H: u32 = 310;
const TITLE_FONT: f64 = 14.0;
const TEXT_FONT: f64 = 12.0;
const SMALL_FONT: f64 = 11.0;

/// The curves' colours (also the captions' legend swatches).
pub const EXISTING_COLOUR: &str = "#4c78a8";
pub const WITH_PLAN_COLOUR: &str = "#6a3d9a";
pub const LIMIT_COLOUR: &str = "#d73027";
pub const FIRM_COLOUR: &str = "#555555";
pub const CURTAILED_COLOUR: &str = "#f4a6a0";
pub const HOSTING_COLOUR: &str = "#1a9850";
pub const BUDGET_COLOUR: &str = "#888888";

const EXISTING: RGBColor = RGBColor(0x4c, 0x78, 0xa8);
const WITH_PLAN: RGBColor = RGBColor(0x6a, 0x3d, 0x9a);
const LIMIT: RGBColor = RGBColor(0xd7, 0x30, 0x27);
const FIRM: RGBColor = RGBColor(0x55, 0x55, 0x55);
const CURTAILED: RGBColor = RGBColor(0xf4, 0xa6, 0xa0);
const HOSTING: RGBColor = RGBColor(0x1a, 0x98, 0x50);
const BUDGET: RGBColor = RGBColor(0x88, 0x88, 0x88);
const GRID: RGBColor = RGBColor(225, 225, 225);
const MUTED: RGBColor = RGBColor(110, 110, 110);

type DrawResult<T = ()> = Result<T, DrawingAreaErrorKind<std::io::Error>>;
type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A profiled substation's room by hour, as [`crate::hosting`] defines it:
/// `avail = share·max(0, base_mw − load) + upgrade_mw`, `base_mw = headroom − community growth
/// − queue + peak`. At the peak hour it is the firm room.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Room {
    share: f64,
    base_mw: f64,
    upgrade_mw: f64,
}

impl Room {
    fn of(scenario: &Scenario, s: &Substation, peak_mw: f64, upgraded: bool) -> Room {
        Room {
            share: scenario.grid.max_headroom_share,
            base_mw: s.headroom_mw - s.community_growth_mw - s.queued_mw + peak_mw,
            upgrade_mw: if upgraded { s.upgrade_mw } else { 0.0 },
        }
    }

    /// The room for new load in an hour whose existing load is `load_mw`.
    fn avail(&self, load_mw: f64) -> f64 {
        self.share * (self.base_mw - load_mw).max(0.0) + self.upgrade_mw
    }

    /// The most load (existing and new) the substation carries in that hour.
    fn limit(&self, load_mw: f64) -> f64 {
        load_mw + self.avail(load_mw)
    }
}

/// One vertex of the load-duration curve: x (cumulative weight, hours), the existing load
/// (MW), and whether the plan's new load is curtailed in its hour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DurationPoint {
    pub hours: f64,
    pub load_mw: f64,
    pub curtailed: bool,
}

/// What the charts of one substation show.
#[derive(Debug, Clone)]
pub struct SubstationCharts {
    pub substation: usize,
    pub id: String,
    pub name: Option<String>,
    /// Whether the plan takes its upgrade (the curves are in that state).
    pub upgraded: bool,
    /// The plan's new load here, MW: firm and flexible.
    pub firm_mw: f64,
    pub flexible_mw: f64,
    /// `max_h load(h)`, MW.
    pub peak_mw: f64,
    /// The firm room in the plan's upgrade state, MW.
    pub firm_room_mw: f64,
    /// `L*` at the scenario's budget in the plan's upgrade state, MW.
    pub hosting_mw: f64,
    pub budget: Budget,
    /// The weight of all hours (W).
    pub total_hours: f64,
    pub curtailment: Curtailment,
    /// The load-duration curve, downsampled (steps: two vertices an hour).
    pub duration: Vec<DurationPoint>,
    /// `L*` against the energy budget: (%, MW), by budget.
    pub hosting_curve: Vec<(f64, f64)>,
    room: Room,
}

impl SubstationCharts {
    /// The plan's new load here, MW.
    pub fn load_mw(&self) -> f64 {
        self.firm_mw + self.flexible_mw
    }
}

/// The charts of every substation the plan draws on that has a profile, in map order; empty
/// on a map without profiles.
pub fn charted_substations(optimized: &Optimized) -> Vec<SubstationCharts> {
    let prepared = &optimized.prepared;
    let (map, scenario, plan) = (&prepared.map, &prepared.scenario, &optimized.plan);
    let Some(profiles) = &map.profiles else {
        return Vec::new();
    };
    (map.substations.iter().enumerate())
        .filter_map(|(b, s)| {
            let column = profiles.columns.get(s.profile?)?;
            let (firm_mw, flexible_mw) = plan.used_mw(b);
            if firm_mw + flexible_mw <= 0.0 {
                return None;
            }
            let upgraded = plan.upgraded.contains(&b);
            let hourly = HourlyRoom::of(map, scenario, s, 0.0, upgraded)?;
            Some(substation_charts(
                scenario,
                profiles,
                column,
                s,
                b,
                upgraded,
                (firm_mw, flexible_mw),
                &hourly,
            ))
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn substation_charts(
    scenario: &Scenario,
    profiles: &LoadProfiles,
    column: &ProfileColumn,
    s: &Substation,
    b: usize,
    upgraded: bool,
    (firm_mw, flexible_mw): (f64, f64),
    hourly: &HourlyRoom,
) -> SubstationCharts {
    let peak_mw = (column.by_load.first()).map_or(0.0, |&r| column.load_mw[r as usize]);
    let room = Room::of(scenario, s, peak_mw, upgraded);
    let load_mw = firm_mw + flexible_mw;
    let budget = Budget::of(scenario);
    SubstationCharts {
        substation: b,
        id: s.id.clone(),
        name: s.name.clone(),
        upgraded,
        firm_mw,
        flexible_mw,
        peak_mw,
        firm_room_mw: crate::costs::available_mw(scenario, s, upgraded),
        hosting_mw: hourly.hosting_mw(budget),
        budget,
        total_hours: profiles.weights.iter().sum(),
        curtailment: hourly.curtailment(load_mw),
        duration: duration_curve(profiles, column, &room, load_mw),
        hosting_curve: hosting_curve(hourly, budget),
        room,
    }
}

/// The load-duration curve as steps (each hour from its start to its end at its load),
/// highest load first, downsampled to at most [`MAX_CURVE_POINTS`] vertices: the first
/// [`HEAD_ROWS`] hours and the hours on either side of the last curtailed one are kept
/// exactly; past them, the first and the last vertex of each of a fixed number of equal spans
/// of x (the curve is monotone, so they are each span's highest and lowest load).
fn duration_curve(
    profiles: &LoadProfiles,
    column: &ProfileColumn,
    room: &Room,
    load_mw: f64,
) -> Vec<DurationPoint> {
    let mut vertices = Vec::with_capacity(2 * column.by_load.len());
    let mut hours = 0.0;
    for &r in &column.by_load {
        let load = column.load_mw[r as usize];
        // As `Curtailment` counts it: the hour's room is strictly below the new load.
        let curtailed = load_mw > room.avail(load);
        let start = hours;
        hours += profiles.weights[r as usize];
        vertices.push(DurationPoint {
            hours: start,
            load_mw: load,
            curtailed,
        });
        vertices.push(DurationPoint {
            hours,
            load_mw: load,
            curtailed,
        });
    }
    downsample(&vertices)
}

/// At most [`MAX_CURVE_POINTS`] of a step curve's vertices (two a row), see
/// [`duration_curve`].
fn downsample(vertices: &[DurationPoint]) -> Vec<DurationPoint> {
    let n = vertices.len();
    if n <= MAX_CURVE_POINTS {
        return vertices.to_vec();
    }
    let head = (2 * HEAD_ROWS).min(n);
    // The curtailed rows come first (their room rises with the rows); the last curtailed row
    // and the first free one stay, so the crossing is drawn where it is.
    let curtailed_rows = vertices.iter().take_while(|v| v.curtailed).count() / 2;
    let boundary: Vec<usize> = [2 * curtailed_rows, 2 * curtailed_rows + 1]
        .into_iter()
        .flat_map(|i| [i.wrapping_sub(2), i])
        .filter(|&i| i < n)
        .collect();
    let spans = (MAX_CURVE_POINTS - head - 4) / 2;
    let (x0, x1) = (vertices[head].hours, vertices[n - 1].hours);
    let span_of = |i: usize| -> usize {
        if x1 <= x0 {
            return 0;
        }
        let t = (vertices[i].hours - x0) / (x1 - x0);
        ((t * spans as f64).floor() as usize).min(spans - 1)
    };
    (0..n)
        .filter(|&i| {
            // The head, and the first vertex past it (so `i - 1` below is in the tail).
            i <= head
                || i == n - 1
                || span_of(i) != span_of(i - 1)
                || span_of(i) != span_of(i + 1)
                || boundary.contains(&i)
        })
        .map(|i| vertices[i])
        .collect()
}

/// `L*` against the energy budget, from 0 % to past the larger of 5 % and the scenario's
/// budget, under the scenario's hours cap.
fn hosting_curve(hourly: &HourlyRoom, budget: Budget) -> Vec<(f64, f64)> {
    let x_max = (budget.pct * 1.25).max(5.0);
    let mut budgets: Vec<f64> = (0..=BUDGET_STEPS)
        .map(|k| x_max * k as f64 / BUDGET_STEPS as f64)
        .chain(NAMED_BUDGETS_PCT)
        .chain(HOSTING_BUDGETS_PCT)
        .chain([budget.pct])
        .collect();
    budgets.sort_by(f64::total_cmp);
    budgets.dedup();
    (budgets.into_iter())
        .map(|pct| {
            let mw = hourly.hosting_mw(Budget {
                pct,
                hours: budget.hours,
            });
            (pct, mw)
        })
        .filter(|(_, mw)| mw.is_finite())
        .collect()
}

/// The page's section: both charts of each substation, with captions; None when there is
/// nothing to chart.
pub fn section(charts: &[SubstationCharts]) -> Option<Markup> {
    if charts.is_empty() {
        return None;
    }
    Some(html! {
        section #hosting {
            h2 { "Hosting over the year (" (charts.len()) ")" }
            p.hint {
                "For each substation of the plan with a load profile: its load-duration curve with the plan's new load, and the new load it can host against the share of that load's annual energy that may be curtailed (L*). Where the load with the plan rises above the most load the substation carries in that hour, the new load is curtailed."
            }
            div.hosting-grid {
                @for c in charts { (substation_block(c)) }
            }
        }
    })
}

fn substation_block(c: &SubstationCharts) -> Markup {
    let (duration, hosting) = match (duration_svg(c), hosting_svg(c)) {
        (Ok(d), Ok(h)) => (d, h),
        (Err(e), _) | (_, Err(e)) => {
            return html! {
                div.hosting-substation data-id=(c.id) {
                    p.empty { "The charts of " (c.id) " could not be drawn: " (e.to_string()) }
                }
            };
        }
    };
    let mw = |v: f64| figure(v, 1);
    let upgrade_note = if c.upgraded {
        " (with its upgrade, which the plan takes)"
    } else {
        ""
    };
    let cut = &c.curtailment;
    let points: String = (c.hosting_curve.iter())
        .map(|(pct, mw)| format!("[{pct},{mw}]"))
        .collect::<Vec<_>>()
        .join(",");
    html! {
        div.hosting-substation data-id=(c.id) {
            h3 {
                (c.id)
                @if let Some(name) = &c.name { " — " (name) }
            }
            div.hosting-charts {
                figure.hosting-chart data-chart="duration" data-id=(c.id)
                    data-upgraded=(c.upgraded)
                    data-peak-mw=(c.peak_mw) data-firm-room-mw=(c.firm_room_mw)
                    data-hosting-mw=(c.hosting_mw) data-load-mw=(c.load_mw())
                    data-curtailment-mwh=(cut.mwh) data-curtailment-hours=(cut.hours)
                    data-curtailment-pct=(cut.pct) data-points=(c.duration.len()) {
                    (PreEscaped(duration))
                    figcaption {
                        span.key { span.swatch.line style=(format!("background:{EXISTING_COLOUR}")) {} "existing load" }
                        span.key { span.swatch.line style=(format!("background:{WITH_PLAN_COLOUR}")) {} "with the plan's " (mw(c.load_mw())) " MW" }
                        span.key { span.swatch.line style=(format!("background:{LIMIT_COLOUR}")) {} "most load in the hour (existing + room)" }
                        span.key { span.swatch.dashed-grey {} "peak + firm room" }
                        @if cut.mwh > 0.0 {
                            span.key { span.swatch style=(format!("background:{CURTAILED_COLOUR}")) {} "curtailed energy" }
                        }
                        br;
                        "Peak load " (mw(c.peak_mw)) " MW; firm room " (mw(c.firm_room_mw)) " MW" (upgrade_note)
                        "; L* at the scenario's budget (" (figure(c.budget.pct, 2)) " % of energy, " (figure(c.budget.hours, 0)) " h) " (mw(c.hosting_mw)) " MW. "
                        "The plan's " (mw(c.load_mw())) " MW here (" (mw(c.firm_mw)) " firm, " (mw(c.flexible_mw)) " flexible) "
                        @if cut.mwh > 0.0 {
                            "are curtailed " (figure(cut.mwh, 1)) " MWh in " (figure(cut.hours, 1)) " h of " (figure(c.total_hours, 0)) ", " (figure(cut.pct, 3)) " % of their energy."
                        } @else {
                            "are never curtailed (0 MWh, 0 h, 0 %)."
                        }
                    }
                }
                figure.hosting-chart data-chart="hosting" data-id=(c.id)
                    data-upgraded=(c.upgraded)
                    data-budget-pct=(c.budget.pct) data-budget-hours=(c.budget.hours)
                    data-hosting-mw=(c.hosting_mw) data-firm-room-mw=(c.firm_room_mw)
                    data-load-mw=(c.load_mw()) data-curtailment-pct=(cut.pct)
                    data-points=(format!("[{points}]")) {
                    (PreEscaped(hosting))
                    figcaption {
                        span.key { span.swatch.line style=(format!("background:{HOSTING_COLOUR}")) {} "L*: most MW within the budget" }
                        span.key { span.swatch.dashed-grey {} "the scenario's budget" }
                        span.key { span.swatch.line style=(format!("background:{WITH_PLAN_COLOUR}")) {} "the plan's load (dot: its curtailment)" }
                        br;
                        "Under the scenario's hours cap (" (figure(c.budget.hours, 0)) " h) and queue" (upgrade_note) ". "
                        "At 0 % it is the firm room, " (mw(c.firm_room_mw)) " MW; at the scenario's " (figure(c.budget.pct, 2)) " %, " (mw(c.hosting_mw)) " MW. "
                        "Peak load " (mw(c.peak_mw)) " MW. The plan's " (mw(c.load_mw())) " MW here "
                        @if cut.mwh > 0.0 {
                            "lose " (figure(cut.mwh, 1)) " MWh in " (figure(cut.hours, 1)) " h, " (figure(cut.pct, 3)) " % of their energy."
                        } @else {
                            "are never curtailed (0 MWh, 0 h, 0 %)."
                        }
                    }
                }
            }
        }
    }
}

/// A text style of `px` SVG pixels (plotters writes `font-size` as the size over 1.24).
fn font(px: f64) -> TextStyle<'static> {
    styled(px, FontStyle::Normal)
}

fn styled(px: f64, style: FontStyle) -> TextStyle<'static> {
    TextStyle::from(FontDesc::new(FontFamily::SansSerif, px * 1.24, style))
}

/// Tick labels: no decimals for spans of 10 or more, else enough to tell ticks apart.
fn ticks(span: f64) -> impl Fn(&f64) -> String {
    let decimals = if span >= 10.0 {
        0
    } else if span >= 1.0 {
        1
    } else {
        2
    };
    move |v: &f64| format!("{v:.decimals$}")
}

/// Draws on a fresh SVG document of the chart's size and gives its text.
fn svg_of(draw: impl FnOnce(&Area) -> DrawResult) -> DrawResult<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (CHART_W, CHART_H)).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    Ok(svg)
}

/// A chart of the page's style on `root`: its title, both axes from 0 to their ends with six
/// labels and a description each, and a light grid.
fn axes<'a, 'b>(
    root: &'a Area<'b>,
    title: String,
    (x_end, x_desc): (f64, &str),
    (y_end, y_desc): (f64, &str),
) -> DrawResult<ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, styled(TITLE_FONT, FontStyle::Bold))
        .margin(10)
        .margin_right(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..x_end, 0.0..y_end)?;
    let x_ticks = ticks(x_end);
    let y_ticks = ticks(y_end);
    chart
        .configure_mesh()
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&x_ticks)
        .y_label_formatter(&y_ticks)
        .x_label_style(font(SMALL_FONT))
        .y_label_style(font(SMALL_FONT))
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(font(TEXT_FONT))
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(MUTED.stroke_width(1))
        .draw()?;
    Ok(chart)
}

/// A finite upper end for an axis from 0, with room above the largest value.
fn axis_end(largest: f64) -> f64 {
    if largest.is_finite() && largest > 0.0 {
        largest * 1.1
    } else {
        1.0
    }
}

/// The load-duration chart.
fn duration_svg(c: &SubstationCharts) -> DrawResult<String> {
    svg_of(|root| {
        let load_mw = c.load_mw();
        let x_end = if c.total_hours > 0.0 {
            c.total_hours
        } else {
            1.0
        };
        let top = (c.duration.iter())
            .map(|p| (p.load_mw + load_mw).max(c.room.limit(p.load_mw)))
            .fold(c.peak_mw + c.firm_room_mw, f64::max);
        let y_end = axis_end(top);
        let mut chart = axes(
            root,
            format!("{}: load-duration curve", c.id),
            (x_end, "hours of the year, highest load first (h)"),
            (y_end, "load (MW)"),
        )?;
        // The curtailed energy: between the load with the plan and the limit, where above it.
        let curtailed: Vec<&DurationPoint> = c.duration.iter().filter(|p| p.curtailed).collect();
        if curtailed.len() >= 2 && load_mw > 0.0 {
            let outline: Vec<(f64, f64)> = (curtailed.iter())
                .map(|p| (p.hours, p.load_mw + load_mw))
                .chain((curtailed.iter().rev()).map(|p| (p.hours, c.room.limit(p.load_mw))))
                .collect();
            chart.draw_series(std::iter::once(Polygon::new(outline, CURTAILED.filled())))?;
        }
        let firm_line = c.peak_mw + c.firm_room_mw;
        chart.draw_series(std::iter::once(DashedPathElement::new(
            [(0.0, firm_line), (x_end, firm_line)],
            6,
            4,
            FIRM.stroke_width(1),
        )))?;
        let curve = |y: &dyn Fn(&DurationPoint) -> f64| -> Vec<(f64, f64)> {
            c.duration.iter().map(|p| (p.hours, y(p))).collect()
        };
        chart.draw_series(std::iter::once(PathElement::new(
            curve(&|p| c.room.limit(p.load_mw)),
            LIMIT.stroke_width(2),
        )))?;
        chart.draw_series(std::iter::once(PathElement::new(
            curve(&|p| p.load_mw),
            EXISTING.stroke_width(2),
        )))?;
        if load_mw > 0.0 {
            chart.draw_series(std::iter::once(PathElement::new(
                curve(&|p| p.load_mw + load_mw),
                WITH_PLAN.stroke_width(2),
            )))?;
        }
        Ok(())
    })
}

/// The MW-against-curtailment chart.
fn hosting_svg(c: &SubstationCharts) -> DrawResult<String> {
    svg_of(|root| {
        let load_mw = c.load_mw();
        let x_end = (c.hosting_curve.last()).map_or(5.0, |&(pct, _)| pct.max(0.01));
        let top = (c.hosting_curve.iter())
            .map(|&(_, mw)| mw)
            .fold(load_mw.max(c.hosting_mw), f64::max);
        let y_end = axis_end(top);
        let mut chart = axes(
            root,
            format!("{}: MW against curtailment", c.id),
            (
                x_end,
                "curtailment budget (% of the new load's annual energy)",
            ),
            (y_end, "new load it can host (MW)"),
        )?;
        let budget = c.budget.pct.clamp(0.0, x_end);
        chart.draw_series(std::iter::once(DashedPathElement::new(
            [(budget, 0.0), (budget, y_end)],
            6,
            4,
            BUDGET.stroke_width(1),
        )))?;
        chart.draw_series(std::iter::once(
            EmptyElement::at((budget, y_end))
                + Text::new(
                    format!("scenario {} %", figure(c.budget.pct, 2)),
                    (4, 2),
                    font(SMALL_FONT)
                        .color(&MUTED)
                        .pos(Pos::new(HPos::Left, VPos::Top)),
                ),
        ))?;
        chart.draw_series(std::iter::once(PathElement::new(
            [(0.0, load_mw), (x_end, load_mw)],
            WITH_PLAN.stroke_width(1),
        )))?;
        chart.draw_series(std::iter::once(PathElement::new(
            c.hosting_curve.clone(),
            HOSTING.stroke_width(2),
        )))?;
        // hosting.csv's budgets on the curve.
        chart.draw_series(
            (c.hosting_curve.iter())
                .filter(|(pct, _)| HOSTING_BUDGETS_PCT.contains(pct))
                .map(|&(pct, mw)| Circle::new((pct, mw), 3, HOSTING.filled())),
        )?;
        // The plan: its load at the share of its energy it loses.
        let at = (c.curtailment.pct.clamp(0.0, x_end), load_mw);
        chart.draw_series(std::iter::once(Circle::new(at, 5, WITH_PLAN.filled())))?;
        chart.draw_series(std::iter::once(
            EmptyElement::at(at)
                + Text::new(
                    format!("plan {} MW", figure(load_mw, 1)),
                    (8, 4),
                    font(SMALL_FONT)
                        .color(&WITH_PLAN)
                        .pos(Pos::new(HPos::Left, VPos::Top)),
                ),
        ))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests;
