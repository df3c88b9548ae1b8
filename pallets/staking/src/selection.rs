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
pub fn select<A>(mut candidates: Vec<A>, seed: &[u8; 32], n: u32) -> Option<Vec<A>> {
	let n = usize::try_from(n).ok()?;
	if n > candidates.len() {
		return None;
	}
	for slot in 0..n {
		// `slot < n <= len`, so at least one candidate is left for this slot and
		// `slot + offset < len`.
		let left = candidates.len().saturating_sub(slot) as u128;
		let offset = random(seed, slot as u32).checked_rem(left).unwrap_or(0) as usize;
		candidates.swap(slot, slot.saturating_add(offset));
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
