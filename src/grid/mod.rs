//! The grid, in one place: the map's lines as a DC power-flow twin, the security rows the
//! program draws from it, the N-1 substation-outage check, and a plan's grid figures
//! (docs/grid-security.md).
//!
//! - [`twin`]: the network twin ([`twin::Network`]): load and outage distribution factors,
//!   radial lines, the substations a line serves.
//! - [`security`]: the line rows of "Grid security" (normal and after each line outage), their
//!   "do no harm" limits, which of them no plan can reach, which a plan breaks.
//! - [`outages`]: whether a plan survives each substation outage (`min_feeds ≥ 2`), with a
//!   re-dispatch that shows it.
//! - [`figures`]: a plan's flows, loadings, worst outages and pickups, as the outputs give them.
//!
//! Reads the map's layers, the scenario and the cost rules; imports no stage after it (the
//! model, the optimizer and the outputs import it).

pub mod figures;
pub mod outages;
pub mod security;
pub mod twin;
