//! The hourly existing load of the substations: `load_profiles.csv` (docs/profiles-and-queue.md, "Headroom over
//! time and the queue"), written by `gridsite synth --profiles`.
//!
//! Takes the seed and the substations as written (read back from `substations.geojson`, so the
//! columns name exactly the ids, headroom and `flexible_mw` a reader sees); gives one row per
//! hour of the non-leap year 2025 (`hour` = `2025-01-01T00:00` … `2025-12-31T23:00`, no
//! `weight`, so every row stands for one hour) and one column per substation **without**
//! `flexible_mw` (the contract derives a profiled substation's flexible room from its profile,
//! so it may not carry both), in file order, holding its existing load in MW with at most 3
//! decimals.
//!
//! Model, all synthetic (a hot, dry inland climate like the default centre's):
//! - One regional weather for every substation: a daily mean temperature from 8 °C in mid
//!   January to 24.5 °C in mid July, a few days' warm and cool spells (value noise over days,
//!   stronger in summer: heat waves), and a daily swing of ±4 °C in winter to ±9 °C in summer
//!   peaking at 15:30. Cooling follows the degrees above 22 °C, heating the degrees below 12 °C.
//! - Calendar: 1 January 2025 is a Wednesday; Saturdays, Sundays and six public holidays are
//!   days off.
//! - Each substation mixes three customer classes, the shares drawn from its own stream
//!   (a flat Dirichlet): residential (morning bump, evening peak, cooling after a lag of an
//!   hour, electric heat on winter mornings and nights, later mornings on days off),
//!   commercial (an occupied weekday plateau from 8 to 18 h that cools with the heat, a low
//!   flat day off) and industrial (shifts from 6 to 22 h on workdays, a night and a day-off
//!   level drawn per substation, little weather). Each class's weather response is drawn too.
//! - Noise: ±2–4 % an hour and ±3 % a day, from hashes of the substation and the hour.
//! - Scale: the profile's peak is `k·headroom_mw` with `k` drawn in [1.5, 4] (the load already
//!   connected is larger than the spare room).
//!
//! The summer afternoon peak stands well above the rest of the year: peak/mean is about 1.4–2.0
//! for most substations (the tests check 80 % of the columns), so a new load that accepts a
//! little curtailment gets noticeably more than the firm room.
//!
//! Every value is a pure function of the seed, the substation's index and the hour, so the
//! file is written in two streamed passes (the peaks first, then the rows) in O(substations)
//! memory, and the same seed and substations give the same bytes. A cell takes about 7 bytes:
//! 31 columns (`maps/suburban-flexible`) make 2.1 MB.

use std::f64::consts::TAU;
use std::io::Write;
use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::layers::{FieldMap, LAYER_FILES, PROFILES_FILE, Substation, read_substations};

use super::noise::{hash3, lerp, salted, unit};
use super::writer::io_error;
use super::{SALT_PROFILES, SynthError};

/// Days and hours of the profile's year (2025, not a leap year).
const DAYS: usize = 365;
pub(super) const HOURS: usize = DAYS * 24;
const YEAR: u32 = 2025;
const MONTH_DAYS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/// Monday = 0: 1 January 2025 is a Wednesday.
const FIRST_WEEKDAY: usize = 2;
/// (month, day) of the days off besides weekends: New Year, Memorial Day, Independence Day,
/// Labor Day, Thanksgiving, Christmas.
const HOLIDAYS: [(usize, usize); 6] = [(1, 1), (5, 26), (7, 4), (9, 1), (11, 27), (12, 25)];

/// Degrees above which buildings cool, below which they heat.
const COOLING_BASE_C: f64 = 22.0;
const HEATING_BASE_C: f64 = 12.0;

/// Residential load by hour of a workday (relative; evening peak).
const RESIDENTIAL: [f64; 24] = [
    0.55, 0.50, 0.47, 0.46, 0.47, 0.52, 0.62, 0.72, 0.72, 0.66, 0.62, 0.60, 0.60, 0.60, 0.62, 0.66,
    0.74, 0.86, 0.96, 1.00, 0.96, 0.86, 0.74, 0.63,
];
/// Commercial load by hour of a workday (relative; occupied 8–18 h).
const COMMERCIAL: [f64; 24] = [
    0.45, 0.44, 0.43, 0.43, 0.45, 0.50, 0.62, 0.80, 0.93, 0.98, 1.00, 1.00, 1.00, 1.00, 1.00, 0.98,
    0.93, 0.82, 0.70, 0.60, 0.55, 0.50, 0.48, 0.46,
];

/// The file's name in a map folder.
pub(super) const FILE: &str = PROFILES_FILE;

/// The substations as a reader sees them in `out_dir`.
pub(super) fn read_back(out_dir: &Path) -> Result<Vec<Substation>, SynthError> {
    let path = out_dir.join(LAYER_FILES[0]);
    read_substations(&path, &FieldMap::default())
        .map_err(|e| io_error(&path, std::io::Error::other(e.to_string())))
}

/// Writes `load_profiles.csv` into `out_dir` whole or not at all. Returns (columns, bytes).
pub(super) fn write_profiles(
    seed: u64,
    subs: &[Substation],
    out_dir: &Path,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(usize, u64), SynthError> {
    progress("load_profiles", 0, HOURS);
    let weather = Weather::new(seed);
    let hours: Vec<Hour> = (0..HOURS).map(|h| weather.hour(h)).collect();
    let columns: Vec<Column> = (subs.iter().enumerate())
        .filter(|(_, s)| s.flexible_mw <= 0.0)
        .map(|(k, s)| Column::draw(seed, k, s, &hours))
        .collect();
    let path = out_dir.join(FILE);
    let mut bytes = 0u64;
    let mut row = Vec::with_capacity(16 + 10 * columns.len());
    let written = crate::files::write_atomically(&path, |out| {
        row.extend_from_slice(b"hour");
        for c in &columns {
            row.push(b',');
            row.extend_from_slice(c.id.as_bytes());
        }
        row.push(b'\n');
        for (h, hour) in hours.iter().enumerate() {
            out.write_all(&row)?;
            bytes += row.len() as u64;
            row.clear();
            push_label(&mut row, h);
            for c in &columns {
                row.push(b',');
                push_mw(&mut row, c.load_mw(hour, h));
            }
            row.push(b'\n');
        }
        out.write_all(&row)?;
        bytes += row.len() as u64;
        Ok(())
    });
    written.map_err(|e| io_error(&e.path, e.source))?;
    progress("load_profiles", HOURS, HOURS);
    Ok((columns.len(), bytes))
}

/// Writes `load_profiles.csv` into `out_dir` as [`write_profiles`] does (`gridsite synth
/// --profiles`): the same model and bytes for one `seed` and one list of `substations` (each
/// one's `id`, `headroom_mw`, `community_growth_mw` and `flexible_mw` as read; a column for each
/// without `flexible_mw`, in their order). For `gridsite import`'s `[profiles] generate`, which
/// draws them over a real region's imported substations. Returns (columns, bytes).
pub fn write_generated_profiles(
    seed: u64,
    substations: &[Substation],
    out_dir: &Path,
) -> Result<(usize, u64), SynthError> {
    write_profiles(seed, substations, out_dir, &mut |_, _, _| {})
}

/// `2025-MM-DDTHH:00` of hour `h` of the year.
fn push_label(buf: &mut Vec<u8>, h: usize) {
    let (month, day) = month_day(h / 24);
    let _ = write!(buf, "{YEAR}-{month:02}-{day:02}T{:02}:00", h % 24);
}

/// (month, day), both from 1, of day `d` (from 0) of the year.
fn month_day(mut d: usize) -> (usize, usize) {
    for (m, &len) in MONTH_DAYS.iter().enumerate() {
        if d < len {
            return (m + 1, d + 1);
        }
        d -= len;
    }
    (12, 31)
}

/// Day of the year (from 0) of (month, day).
fn day_of_year(month: usize, day: usize) -> usize {
    MONTH_DAYS[..month - 1].iter().sum::<usize>() + day - 1
}

/// MW with at most 3 decimals, trailing zeros trimmed (`v ≥ 0`).
fn push_mw(buf: &mut Vec<u8>, v: f64) {
    let milli = (v.max(0.0) * 1000.0).round() as u64;
    let (whole, frac) = (milli / 1000, milli % 1000);
    let _ = write!(buf, "{whole}");
    if frac != 0 {
        let digits = format!("{frac:03}");
        buf.push(b'.');
        buf.extend_from_slice(digits.trim_end_matches('0').as_bytes());
    }
}

/// Smooth noise in [0, 1] over a line, one lattice cell per unit (two octaves).
fn noise_1d(seed: u64, x: f64) -> f64 {
    let octave = |seed: u64, x: f64| {
        let i = x.floor();
        let t = x - i;
        let t = t * t * (3.0 - 2.0 * t);
        let at = |k: f64| unit(hash3(seed, k as i64 as u64, 0));
        lerp(at(i), at(i + 1.0), t)
    };
    0.65 * octave(seed, x) + 0.35 * octave(seed ^ 0x5A5A_5A5A, x * 2.07 + 3.3)
}

/// The region's weather and calendar, shared by every substation.
struct Weather {
    seed: u64,
    day_off: [bool; DAYS],
}

/// What every substation's load at one hour depends on besides its own draws.
struct Hour {
    /// Hour of the day, 0–23.
    t: usize,
    day: usize,
    day_off: bool,
    /// Degrees above [`COOLING_BASE_C`] now and an hour ago.
    cooling: f64,
    cooling_lag: f64,
    /// Degrees below [`HEATING_BASE_C`].
    heating: f64,
}

impl Weather {
    fn new(seed: u64) -> Weather {
        let mut day_off = [false; DAYS];
        for (d, off) in day_off.iter_mut().enumerate() {
            *off = (d + FIRST_WEEKDAY) % 7 >= 5;
        }
        for (month, day) in HOLIDAYS {
            day_off[day_of_year(month, day)] = true;
        }
        Weather {
            seed: salted(seed, SALT_PROFILES),
            day_off,
        }
    }

    /// Temperature, °C, at hour `h` of the year (may run past the year's ends).
    fn temperature(&self, h: f64) -> f64 {
        let day = h / 24.0;
        // 0 in mid January, 1 in mid July.
        let summer = (1.0 - (TAU * (day - 15.0) / DAYS as f64).cos()) / 2.0;
        let spell = (6.0 + 4.0 * summer) * (noise_1d(self.seed, day / 4.0) - 0.5);
        let mean = 8.0 + 16.5 * summer + spell;
        let swing = 4.0 + 5.0 * summer;
        mean + swing * (TAU * ((h % 24.0) - 15.5) / 24.0).cos()
    }

    fn hour(&self, h: usize) -> Hour {
        let now = self.temperature(h as f64);
        let before = self.temperature(h as f64 - 1.0);
        Hour {
            t: h % 24,
            day: h / 24,
            day_off: self.day_off[h / 24],
            cooling: (now - COOLING_BASE_C).max(0.0),
            cooling_lag: (before - COOLING_BASE_C).max(0.0),
            heating: (HEATING_BASE_C - now).max(0.0),
        }
    }
}

/// One profiled substation's draws.
struct Column {
    id: String,
    /// Shares of residential, commercial and industrial load (sum 1).
    mix: [f64; 3],
    /// Relative load added per degree of cooling: residential, commercial, industrial.
    cool: [f64; 3],
    /// Relative load added per degree of heating: residential, commercial.
    heat: [f64; 2],
    /// Industrial night and day-off levels (the shifts are 1).
    night: f64,
    off: f64,
    /// Hourly and daily noise amplitude.
    jitter: f64,
    noise_seed: u64,
    /// MW per unit of the unscaled load: `k·headroom / max_h raw(h)`.
    scale: f64,
}

impl Column {
    /// The draws of substation `k` (its own stream, so columns do not depend on each other),
    /// scaled to its peak with a pass over the year's `hours`.
    fn draw(seed: u64, k: usize, s: &Substation, hours: &[Hour]) -> Column {
        let stream = hash3(salted(seed, SALT_PROFILES), k as u64, 1);
        let mut rng = ChaCha8Rng::seed_from_u64(stream);
        let mut mix = [0.0; 3];
        for share in &mut mix {
            *share = -(1.0 - rng.random::<f64>()).ln();
        }
        let total: f64 = mix.iter().sum();
        mix.iter_mut().for_each(|share| *share /= total);
        let cool = [
            rng.random_range(0.035..0.060),
            rng.random_range(0.020..0.035),
            rng.random_range(0.004..0.012),
        ];
        let heat = [
            rng.random_range(0.010..0.025),
            rng.random_range(0.005..0.012),
        ];
        let night = rng.random_range(0.70..0.95);
        let off = rng.random_range(0.55..0.90);
        let jitter = rng.random_range(0.02..0.04);
        let k_peak = rng.random_range(1.5..4.0);
        let mut column = Column {
            id: s.id.clone(),
            mix,
            cool,
            heat,
            night,
            off,
            jitter,
            noise_seed: hash3(stream, 2, 3),
            scale: 1.0,
        };
        let peak = (hours.iter().enumerate())
            .map(|(h, hour)| column.load_mw(hour, h))
            .fold(0.0, f64::max);
        column.scale = if peak > 0.0 {
            k_peak * s.headroom_mw / peak
        } else {
            0.0
        };
        column
    }

    /// The load at `hour` (hour `h` of the year), MW (≥ 0).
    fn load_mw(&self, hour: &Hour, h: usize) -> f64 {
        let t = hour.t;
        let residential = {
            // Days off start later.
            let base = if hour.day_off {
                RESIDENTIAL[(t + 23) % 24] + 0.04
            } else {
                RESIDENTIAL[t]
            };
            let home = if (16..23).contains(&t) { 1.0 } else { 0.7 };
            let night_or_morning = if !(9..21).contains(&t) { 1.0 } else { 0.4 };
            base + self.cool[0] * hour.cooling_lag * home
                + self.heat[0] * hour.heating * night_or_morning
        };
        let commercial = {
            let occupied = (COMMERCIAL[t] - 0.43) / 0.57;
            if hour.day_off {
                0.5 + 0.1 * occupied + self.cool[1] * 0.4 * hour.cooling
            } else {
                COMMERCIAL[t]
                    + self.cool[1] * hour.cooling * (0.3 + 0.7 * occupied)
                    + self.heat[1] * hour.heating * occupied
            }
        };
        let industrial = {
            let base = match (hour.day_off, (6..22).contains(&t)) {
                (true, _) => self.off,
                (false, true) => 1.0,
                (false, false) => self.night,
            };
            base + self.cool[2] * hour.cooling
        };
        let raw = self.mix[0] * residential + self.mix[1] * commercial + self.mix[2] * industrial;
        let hourly = 2.0 * unit(hash3(self.noise_seed, h as u64, 0)) - 1.0;
        let daily = 2.0 * unit(hash3(self.noise_seed, hour.day as u64, 1)) - 1.0;
        self.scale * raw * (1.0 + self.jitter * hourly) * (1.0 + 0.03 * daily)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::fs;
    use std::path::PathBuf;

    use super::super::{SynthConfig, SynthSummary, generate};
    use super::*;
    use crate::layers::{LOADS_FILE, QueueStatus, load_map};

    /// A fresh directory under the system temp dir.
    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "gridsite-synth-profiles-{}-{name}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn flexible(seed: u64, parcels: usize, substations: usize) -> SynthConfig {
        SynthConfig {
            profiles: true,
            ..SynthConfig::new(seed, parcels, substations)
        }
    }

    fn run(cfg: &SynthConfig, name: &str) -> (PathBuf, SynthSummary) {
        let dir = temp_dir(name);
        let summary = generate(cfg, &dir, &mut |_, _, _| {}).expect("generate");
        (dir, summary)
    }

    /// The rows of the CSV after its header: (label, cells).
    type Rows = Vec<(String, Vec<f64>)>;

    /// The header and the rows of the CSV.
    fn table(dir: &Path) -> (Vec<String>, Rows) {
        let text = fs::read_to_string(dir.join(FILE)).expect("read load_profiles.csv");
        let mut lines = text.lines();
        let header: Vec<String> = (lines.next().expect("header").split(','))
            .map(str::to_string)
            .collect();
        let rows = lines
            .map(|line| {
                let mut cells = line.split(',');
                let label = cells.next().expect("label").to_string();
                let values = cells
                    .map(|c| {
                        let decimals = c.split_once('.').map_or(0, |(_, f)| f.len());
                        assert!(decimals <= 3, "{c} has more than 3 decimals");
                        c.parse::<f64>().expect("a number")
                    })
                    .collect();
                (label, values)
            })
            .collect();
        (header, rows)
    }

    #[test]
    fn calendar_and_numbers() {
        for d in 0..DAYS {
            let (m, day) = month_day(d);
            assert_eq!(day_of_year(m, day), d);
        }
        let weather = Weather::new(1);
        // Memorial Day and Labor Day are Mondays, Thanksgiving a Thursday, 4 July a Friday.
        for ((month, day), weekday) in HOLIDAYS.iter().zip([2, 0, 4, 0, 3, 3]) {
            let d = day_of_year(*month, *day);
            assert_eq!((d + FIRST_WEEKDAY) % 7, weekday, "{month}/{day}");
            assert!(weather.day_off[d]);
        }
        assert_eq!(weather.day_off.iter().filter(|&&off| off).count(), 104 + 6);
        let mut label = Vec::new();
        push_label(&mut label, 24 * 31 + 13);
        assert_eq!(label, b"2025-02-01T13:00");
        let fmt = |v: f64| {
            let mut b = Vec::new();
            push_mw(&mut b, v);
            String::from_utf8(b).expect("utf8")
        };
        assert_eq!(fmt(12.0), "12");
        assert_eq!(fmt(12.3004), "12.3");
        assert_eq!(fmt(0.0456), "0.046");
        assert_eq!(fmt(1999.9996), "2000");
        assert_eq!(fmt(-0.0001), "0");
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let (a, sa) = run(&flexible(11, 300, 20), "det-a");
        let (b, sb) = run(&flexible(11, 300, 20), "det-b");
        let (c, _) = run(&flexible(12, 300, 20), "det-c");
        assert_eq!(sa, sb);
        for file in [FILE, LOADS_FILE] {
            let bytes = |d: &Path| fs::read(d.join(file)).expect("read");
            assert!(!bytes(&a).is_empty(), "{file} is empty");
            assert_eq!(bytes(&a), bytes(&b), "{file} differs for one seed");
            assert_ne!(bytes(&a), bytes(&c), "{file} is the same for two seeds");
        }
        for d in [a, b, c] {
            let _ = fs::remove_dir_all(d);
        }
    }

    #[test]
    fn without_the_flag_neither_file_is_written_and_the_rest_is_unchanged() {
        let (plain, sp) = run(&SynthConfig::new(5, 300, 12), "off");
        let (with, sw) = run(&flexible(5, 300, 12), "on");
        assert!(!plain.join(FILE).exists());
        assert!(!plain.join(LOADS_FILE).exists());
        assert_eq!((sp.load_profiles, sp.loads), (0, 0));
        let mut on_disk = 0;
        for entry in fs::read_dir(&plain).expect("list") {
            let name = entry.expect("entry").file_name();
            let old = fs::read(plain.join(&name)).expect("read");
            assert_eq!(old, fs::read(with.join(&name)).expect("read"), "{name:?}");
            on_disk += old.len() as u64;
        }
        assert_eq!(on_disk, sp.bytes_written);
        let extra: u64 = [FILE, LOADS_FILE]
            .iter()
            .map(|f| fs::metadata(with.join(f)).expect("written").len())
            .sum();
        assert_eq!(sw.bytes_written, sp.bytes_written + extra);
        let _ = fs::remove_dir_all(plain);
        let _ = fs::remove_dir_all(with);
    }

    #[test]
    fn the_table_has_every_hour_and_a_column_per_substation_without_flexible_mw() {
        let (dir, summary) = run(&flexible(3, 300, 30), "table");
        let subs = read_back(&dir).expect("substations");
        let (header, rows) = table(&dir);
        assert_eq!(header[0], "hour");
        let expected: Vec<&str> = (subs.iter())
            .filter(|s| s.flexible_mw <= 0.0)
            .map(|s| s.id.as_str())
            .collect();
        assert!(expected.len() >= 15 && expected.len() < subs.len());
        assert_eq!(header[1..], expected[..]);
        assert_eq!(summary.load_profiles, expected.len());
        assert_eq!(rows.len(), 8_760);
        let labels: HashSet<&str> = rows.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels.len(), 8_760);
        assert_eq!(rows[0].0, "2025-01-01T00:00");
        assert_eq!(rows[24 * 59].0, "2025-03-01T00:00");
        assert_eq!(rows[8_759].0, "2025-12-31T23:00");
        for (label, cells) in &rows {
            assert_eq!(cells.len(), expected.len(), "{label}");
            assert!(cells.iter().all(|v| v.is_finite() && *v >= 0.0), "{label}");
        }
        let _ = fs::remove_dir_all(dir);
    }

    /// peak / mean of each column, its peak / headroom, and the hour of its peak.
    fn shapes(dir: &Path) -> Vec<(f64, f64, String)> {
        let subs = read_back(dir).expect("substations");
        let (header, rows) = table(dir);
        (1..header.len())
            .map(|c| {
                let s = subs
                    .iter()
                    .find(|s| s.id == header[c])
                    .expect("a substation");
                let (mut peak, mut at, mut sum) = (0.0, String::new(), 0.0);
                for (label, cells) in &rows {
                    sum += cells[c - 1];
                    if cells[c - 1] > peak {
                        (peak, at) = (cells[c - 1], label.clone());
                    }
                }
                (peak / (sum / rows.len() as f64), peak / s.headroom_mw, at)
            })
            .collect()
    }

    #[test]
    fn peaks_are_summer_afternoons_well_above_the_mean() {
        let mut ratios = Vec::new();
        for seed in [1, 2, 3] {
            let (dir, _) = run(&flexible(seed, 300, 40), &format!("shape-{seed}"));
            for (ratio, k, at) in shapes(&dir) {
                assert!((1.5 - 1e-3..=4.0 + 1e-3).contains(&k), "peak {k}·headroom");
                let month: u32 = at[5..7].parse().expect("month");
                assert!((6..=9).contains(&month), "peak at {at}");
                ratios.push(ratio);
            }
            let _ = fs::remove_dir_all(dir);
        }
        let inside = ratios.iter().filter(|r| (1.4..=2.0).contains(*r)).count();
        ratios.sort_by(f64::total_cmp);
        eprintln!(
            "peak/mean over {} columns: min {:.2}, median {:.2}, max {:.2}; {inside} in [1.4, 2.0]",
            ratios.len(),
            ratios[0],
            ratios[ratios.len() / 2],
            ratios[ratios.len() - 1]
        );
        assert!(
            inside * 5 >= ratios.len() * 4,
            "{inside} of {}",
            ratios.len()
        );
        assert!(ratios[0] > 1.2 && ratios[ratios.len() - 1] < 2.6);
    }

    #[test]
    fn the_map_loads_and_curtailment_buys_room() {
        let (dir, summary) = run(&flexible(8, 400, 40), "load-map");
        let mut map = load_map(&dir).expect("load_map reads both files");
        let profiles = map.profiles.as_ref().expect("profiles");
        assert_eq!(profiles.columns.len(), summary.load_profiles);
        assert_eq!(profiles.hours.len(), 8_760);
        assert!(profiles.weights.iter().all(|&w| w == 1.0));
        assert_eq!(map.loads.len(), summary.loads);
        assert_eq!(map.loads.len(), 8);
        let text = "name = \"x\"\nmap = \"m\"\n[target]\ntotal_mw = 100\n\
                    [grid]\nmax_curtailment_pct = 0.5\n";
        let scenario =
            crate::scenario::Scenario::parse(text, Path::new("s.toml")).expect("scenario");
        crate::hosting::apply(&mut map, &scenario);
        let (mut gains, mut profiled) = (Vec::new(), 0);
        for s in &map.substations {
            let Some(h) = s.hosting else {
                assert!(s.profile.is_none());
                continue;
            };
            profiled += 1;
            let firm = crate::costs::firm_capacity_mw(&scenario, s).max(0.0);
            assert!(h.load_mw >= firm - 1e-6, "{}: {} < {firm}", s.id, h.load_mw);
            if firm > 1.0 {
                gains.push(h.load_mw / firm);
            }
        }
        assert_eq!(profiled, summary.load_profiles);
        gains.sort_by(f64::total_cmp);
        eprintln!(
            "L*(0.5 %) / firm room over {} substations: min {:.2}, median {:.2}, max {:.2}",
            gains.len(),
            gains[0],
            gains[gains.len() / 2],
            gains[gains.len() - 1]
        );
        let noticeable = gains.iter().filter(|&&g| g >= 1.2).count();
        assert!(
            noticeable * 4 >= gains.len() * 3,
            "{noticeable} of {}",
            gains.len()
        );
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn the_queue_is_valid_and_leaves_room() {
        let (dir, summary) = run(&flexible(21, 300, 200), "queue");
        let map = load_map(&dir).expect("load_map");
        assert_eq!(summary.loads, 40);
        assert_eq!(map.loads.len(), 40);
        let mut counted = vec![0.0; map.substations.len()];
        let mut by_status = [0usize; 5];
        let text = fs::read_to_string(dir.join(LOADS_FILE)).expect("read");
        for (load, line) in map.loads.iter().zip(text.lines().skip(1)) {
            let feature: serde_json::Value =
                serde_json::from_str(line.trim_end_matches(',')).expect("one feature a line");
            let schema = crate::layers::schema::Layer::Loads.property_names();
            let written = feature["properties"].as_object().expect("properties");
            assert!(
                written.keys().all(|k| schema.contains(&k.as_str())),
                "{line}"
            );
            let order = [
                "id",
                "substation",
                "mw",
                "status",
                "name",
                "in_service_year",
            ];
            let at: Vec<usize> = (order.iter())
                .map(|k| line.find(&format!("\"{k}\":")).expect("every property"))
                .collect();
            assert!(
                at.windows(2).all(|w| w[0] < w[1]),
                "property order in {line}"
            );
            assert!(
                (20.0..=300.0).contains(&load.mw),
                "{}: {} MW",
                load.id,
                load.mw
            );
            let year = load.in_service_year.expect("in_service_year");
            assert!((2015.0..=2032.0).contains(&year));
            by_status[QueueStatus::ALL
                .iter()
                .position(|&s| s == load.status)
                .expect("status")] += 1;
            if matches!(load.status, QueueStatus::Construction | QueueStatus::Signed) {
                counted[load.substation] += load.mw;
            }
            let s = &map.substations[load.substation];
            let km = crate::index::haversine_km(load.point, s.point);
            assert!(km < 2.0, "{} is {km} km from {}", load.id, s.id);
        }
        for (s, mw) in map.substations.iter().zip(&counted) {
            let room = s.headroom_mw - s.community_growth_mw;
            assert!(*mw <= room + 1e-6, "{}: {mw} MW counted, room {room}", s.id);
        }
        eprintln!(
            "queue by status (operating, construction, signed, study, withdrawn): {by_status:?}"
        );
        let middle = by_status[1] + by_status[2] + by_status[3];
        assert!(middle * 3 >= map.loads.len() * 2, "{by_status:?}");
        assert!(by_status[1] + by_status[2] >= 5, "{by_status:?}");
        let _ = fs::remove_dir_all(dir);
    }
}
