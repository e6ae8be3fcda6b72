//! Radial lines: the bridges of the line graph (a line whose removal disconnects its ends),
//! found by an iterative depth-first search with low-links (Tarjan). Parallel lines between the
//! same two substations are separate edges, so neither is a bridge.

use crate::layers::Line;

/// By line: whether it is a bridge of the graph on `buses` vertices.
pub fn bridges(buses: usize, lines: &[Line]) -> Vec<bool> {
    let mut adjacent: Vec<Vec<(usize, usize)>> = vec![Vec::new(); buses];
    for (l, line) in lines.iter().enumerate() {
        adjacent[line.from].push((line.to, l));
        adjacent[line.to].push((line.from, l));
    }
    let mut order = vec![usize::MAX; buses];
    let mut low = vec![usize::MAX; buses];
    let mut bridge = vec![false; lines.len()];
    let mut counter = 0;
    for start in 0..buses {
        if order[start] != usize::MAX || adjacent[start].is_empty() {
            continue;
        }
        // Frames: (vertex, the line it was entered by, next neighbour to visit).
        let mut stack: Vec<(usize, usize, usize)> = vec![(start, usize::MAX, 0)];
        order[start] = counter;
        low[start] = counter;
        counter += 1;
        while let Some(&mut (v, entered_by, ref mut next)) = stack.last_mut() {
            if let Some(&(w, l)) = adjacent[v].get(*next) {
                *next += 1;
                if l == entered_by {
                    continue;
                }
                if order[w] == usize::MAX {
                    order[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push((w, l, 0));
                } else {
                    low[v] = low[v].min(order[w]);
                }
            } else {
                stack.pop();
                if let Some(&(parent, _, _)) = stack.last() {
                    low[parent] = low[parent].min(low[v]);
                    if low[v] > order[parent] {
                        bridge[entered_by] = true;
                    }
                }
            }
        }
    }
    bridge
}
