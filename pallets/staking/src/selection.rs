//! Worker selection: `n` distinct workers drawn uniformly from a seed.
//!
//! ## Why uniform, not stake-weighted
//!
//! A task is decided by a quorum of identical answers, and a quorum is only worth something if
//! its seats are held by independent operators. Every registered worker has at least
//! `MinWorkerBond` at stake, so that bond is the price of one seat in the draw: an operator who
//! wants a larger share of seats must pay for more workers, each of which can be slashed. With
//! stake-weighted draws a single large holder would fill most seats of many quorums from one
//! account and could decide them alone; uniform draws cap every account at one seat per task.
//!
//! ## The draw
//!
//! A partial Fisher–Yates shuffle of the worker list: for slot `i` in `0..n`, index
//! `i + r_i mod (len - i)` is swapped into slot `i`, where `r_i` is the first 16 bytes
//! (little endian) of `blake2_256(seed ++ i as u32 little endian)`. Only `n` hashes are needed
//! and the result depends on nothing but the seed and the list, so every node computes the same
//! workers. Reducing a 128-bit number modulo `len - i ≤ 2^32` favours some indexes by at most
//! `2^32 / 2^128 = 2^-96` in probability, far below anything observable, so no rejection loop is
//! needed.

use alloc::vec::Vec;
use polkadot_sdk::sp_io::hashing::blake2_256;

/// `n` distinct elements of `candidates`, drawn uniformly from `seed`, in draw order. `None` if
/// there are fewer than `n` candidates.
pub fn select<A>(candidates: Vec<A>, seed: &[u8; 32], n: u32) -> Option<Vec<A>> {
	let len = u32::try_from(candidates.len()).unwrap_or(u32::MAX);
	select_where(candidates, seed, n, len, |_| true)
}

/// `n` distinct elements of `candidates` for which `eligible` holds, drawn uniformly among
/// those from `seed`, in draw order, examining at most `max_examined` candidates. `None` if
/// fewer than `n` eligible candidates turn up within that many.
///
/// The shuffle is the one [`select`] uses, carried on past `n` slots while candidates are
/// skipped: the first `n` eligible elements of a uniformly random permutation are a uniformly
/// random `n`-subset of the eligible ones, in uniformly random order. When every candidate is
/// eligible the result equals [`select`]'s. `eligible` runs once per examined candidate, so a
/// caller whose check reads storage pays for at most `max_examined` reads.
pub fn select_where<A>(
	mut candidates: Vec<A>,
	seed: &[u8; 32],
	n: u32,
	max_examined: u32,
	mut eligible: impl FnMut(&A) -> bool,
) -> Option<Vec<A>> {
	let n = usize::try_from(n).ok()?;
	let max_examined = usize::try_from(max_examined).unwrap_or(usize::MAX);
	if n > candidates.len() {
		return None;
	}
	// Eligible candidates are moved to the front (`picked` of them so far); skipped ones stay
	// behind them in the examined prefix.
	let mut picked = 0usize;
	for slot in 0..candidates.len().min(max_examined) {
		if picked == n {
			break;
		}
		// `slot < len`, so at least one candidate is left for this slot and `slot + offset < len`.
		let left = candidates.len().saturating_sub(slot) as u128;
		let offset = random(seed, slot as u32).checked_rem(left).unwrap_or(0) as usize;
		candidates.swap(slot, slot.saturating_add(offset));
		if candidates.get(slot).is_some_and(&mut eligible) {
			candidates.swap(picked, slot);
			picked = picked.saturating_add(1);
		}
	}
	if picked < n {
		return None;
	}
	candidates.truncate(n);
	Some(candidates)
}

/// The `counter`-th 128-bit number derived from `seed`.
fn random(seed: &[u8; 32], counter: u32) -> u128 {
	let mut input = [0u8; 36];
	input[..32].copy_from_slice(seed);
	input[32..].copy_from_slice(&counter.to_le_bytes());
	let hash = blake2_256(&input);
	let mut low = [0u8; 16];
	low.copy_from_slice(&hash[..16]);
	u128::from_le_bytes(low)
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::{collections::BTreeSet, vec};

	fn seed(i: u32) -> [u8; 32] {
		blake2_256(&i.to_le_bytes())
	}

	#[test]
	fn too_few_candidates() {
		assert_eq!(select(vec![1, 2, 3], &seed(0), 4), None);
		assert_eq!(select(Vec::<u8>::new(), &seed(0), 1), None);
		assert_eq!(select(Vec::<u8>::new(), &seed(0), 0), Some(vec![]));
	}

	#[test]
	fn distinct_and_deterministic() {
		let workers: Vec<u32> = (0..50).collect();
		for i in 0..200 {
			let picked = select(workers.clone(), &seed(i), 10).unwrap();
			assert_eq!(picked.len(), 10);
			assert_eq!(picked.iter().collect::<BTreeSet<_>>().len(), 10);
			assert_eq!(select(workers.clone(), &seed(i), 10).unwrap(), picked);
		}
		// Taking everyone is a permutation.
		let all = select(workers.clone(), &seed(7), 50).unwrap();
		assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), 50);
	}

	#[test]
	fn filtered_draw_skips_ineligible_and_matches_the_plain_draw() {
		let workers: Vec<u32> = (0..30).collect();
		for i in 0..200 {
			// Everyone eligible: exactly the plain draw.
			assert_eq!(select_where(workers.clone(), &seed(i), 5, 30, |_| true), select(workers.clone(), &seed(i), 5));
			// Only even workers: five distinct even ones, deterministic.
			let picked = select_where(workers.clone(), &seed(i), 5, 30, |w| w % 2 == 0).unwrap();
			assert_eq!(picked.len(), 5);
			assert!(picked.iter().all(|w| w % 2 == 0), "{picked:?}");
			assert_eq!(picked.iter().collect::<BTreeSet<_>>().len(), 5);
			assert_eq!(select_where(workers.clone(), &seed(i), 5, 30, |w| w % 2 == 0).unwrap(), picked);
		}
		// Too few eligible, or not found within the examination budget.
		assert_eq!(select_where(workers.clone(), &seed(0), 3, 30, |w| *w < 2), None);
		assert_eq!(select_where(workers.clone(), &seed(0), 3, 2, |_| true), None);
		// The budget bounds how often the check runs.
		let mut checks = 0;
		let _ = select_where(workers, &seed(1), 3, 7, |_| {
			checks += 1;
			false
		});
		assert_eq!(checks, 7);
	}

	#[test]
	fn filtered_draw_is_uniform_among_the_eligible() {
		// 12 workers, the 4 multiples of 3 ineligible: 8 eligible, 2 seats, 16_000 draws: each
		// eligible worker expects 4_000 seats (deviation 55); bands of 5.5 deviations.
		let mut seats = [0u32; 12];
		for i in 0..16_000 {
			for w in select_where((0..12u32).collect(), &seed(i), 2, 12, |w| w % 3 != 0).unwrap() {
				seats[w as usize] += 1;
			}
		}
		for (w, count) in seats.iter().enumerate() {
			if w % 3 == 0 {
				assert_eq!(*count, 0);
			} else {
				assert!((3_700..=4_300).contains(count), "worker {w}: {count} seats: {seats:?}");
			}
		}
	}

	#[test]
	fn the_first_slots_do_not_depend_on_n() {
		let workers: Vec<u32> = (0..20).collect();
		let five = select(workers.clone(), &seed(3), 5).unwrap();
		let ten = select(workers, &seed(3), 10).unwrap();
		assert_eq!(five[..], ten[..5]);
	}

	#[test]
	fn known_answer() {
		// Pins the algorithm: changing it changes which workers every node picks, a consensus
		// change that needs a runtime upgrade and a note for the other pallets.
		let picked = select((0..10u32).collect(), &[0u8; 32], 3).unwrap();
		let again = select((0..10u32).collect(), &[0u8; 32], 3).unwrap();
		assert_eq!(picked, again);
		let mut expected: Vec<u32> = (0..10).collect();
		for slot in 0..3usize {
			let offset = (random(&[0u8; 32], slot as u32) % (10 - slot) as u128) as usize;
			expected.swap(slot, slot + offset);
		}
		assert_eq!(picked, expected[..3]);
	}

	#[test]
	fn uniform_over_many_seeds() {
		// 10 workers, 3 seats, 30_000 draws: every worker expects 9_000 seats (standard deviation
		// 79) and 3_000 first seats (deviation 52). The bands below are over 5.5 deviations wide,
		// so a fair draw passes while a biased one does not; the seeds are fixed, so the test
		// cannot flake.
		const WORKERS: u32 = 10;
		const DRAWS: u32 = 30_000;
		let mut seats = [0u32; WORKERS as usize];
		let mut first = [0u32; WORKERS as usize];
		for i in 0..DRAWS {
			let picked = select((0..WORKERS).collect(), &seed(i), 3).unwrap();
			first[picked[0] as usize] += 1;
			for w in picked {
				seats[w as usize] += 1;
			}
		}
		for count in seats {
			assert!((8_550..=9_450).contains(&count), "seat count {count} not near 9000: {seats:?}");
		}
		for count in first {
			assert!((2_700..=3_300).contains(&count), "first-seat count {count}: {first:?}");
		}
		// Pearson's chi-square over the seat counts (9 degrees of freedom) stays below 40, far in
		// the tail; computed as Σ(c - e)² < 40·e to stay in integers.
		let expected = 9_000i64;
		let spread: i64 = seats.iter().map(|&c| (c as i64 - expected).pow(2)).sum();
		assert!(spread < 40 * expected, "chi-square {}", spread / expected);
	}
}
