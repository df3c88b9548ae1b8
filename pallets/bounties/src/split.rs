//! Which committed chunks are test, validation and training data: drawn by the chain from a
//! seed the requester could not know when it committed them (DanKu's split), so it cannot
//! hand trainers an easy test set or keep the hard samples for itself.
//!
//! A pure function with known-answer and property tests; the pallet feeds it a seed from its
//! `Randomness` source.

use alloc::vec::Vec;

/// The role a chunk plays in a bounty.
#[derive(
	codec::Encode,
	codec::Decode,
	codec::DecodeWithMemTracking,
	scale_info::TypeInfo,
	codec::MaxEncodedLen,
	Debug,
	Clone,
	Copy,
	PartialEq,
	Eq,
)]
pub enum ChunkRole {
	/// Not drawn yet (before the split).
	#[codec(index = 0)]
	Undrawn,
	/// Published to trainers after the split.
	#[codec(index = 1)]
	Training,
	/// Published after the split, for trainers to compare themselves on (a public
	/// leaderboard that cannot leak the test set).
	#[codec(index = 2)]
	Validation,
	/// Kept secret until submissions close; models are scored on these.
	#[codec(index = 3)]
	Test,
}

/// A number in `0..bound` from `seed` and a counter (a 64-bit draw reduced by
/// multiply-shift: the bias is below `bound / 2^64`, nothing for a few hundred chunks).
fn draw(seed: &[u8; 32], counter: u32, bound: u32) -> u32 {
	let h = polkadot_sdk::sp_io::hashing::blake2_256(&codec::Encode::encode(&(seed, counter)));
	let mut word = [0u8; 8];
	word.copy_from_slice(h.get(..8).unwrap_or(&[0; 8]));
	let x = u64::from_le_bytes(word);
	// (x × bound) >> 64 < bound, so it fits a u32.
	u32::try_from((u128::from(x).saturating_mul(u128::from(bound))) >> 64).unwrap_or(0)
}

/// The roles of `chunks` chunks: `test` of them Test, `validation` Validation, the rest
/// Training, chosen uniformly from `seed` (a partial Fisher–Yates shuffle: the first `test`
/// positions of the shuffled order are Test, the next `validation` Validation). `None` if
/// the counts do not fit in `chunks`.
pub fn split(seed: &[u8; 32], chunks: u32, test: u32, validation: u32) -> Option<Vec<ChunkRole>> {
	let drawn = test.checked_add(validation)?;
	if drawn > chunks {
		return None;
	}
	let mut order: Vec<u32> = (0..chunks).collect();
	let mut roles = alloc::vec![ChunkRole::Training; chunks as usize];
	for i in 0..drawn {
		// Swap position i with a uniform position in i..chunks.
		let j = i.saturating_add(draw(seed, i, chunks.saturating_sub(i)));
		order.swap(i as usize, j as usize);
		let chunk = *order.get(i as usize)?;
		*roles.get_mut(chunk as usize)? = if i < test { ChunkRole::Test } else { ChunkRole::Validation };
	}
	Some(roles)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn count(roles: &[ChunkRole], role: ChunkRole) -> usize {
		roles.iter().filter(|r| **r == role).count()
	}

	#[test]
	fn known_answer() {
		// Pinned: a change here changes every bounty's split, which must be deliberate.
		let roles = split(&[7; 32], 6, 2, 1).unwrap();
		let tests: Vec<usize> = (0..6).filter(|i| roles[*i] == ChunkRole::Test).collect();
		let validation: Vec<usize> = (0..6).filter(|i| roles[*i] == ChunkRole::Validation).collect();
		assert_eq!((tests.len(), validation.len()), (2, 1));
		assert_eq!(split(&[7; 32], 6, 2, 1).unwrap(), roles, "the same seed gives the same split");
		assert_eq!(KNOWN, (tests[0], tests[1], validation[0]), "split of seed [7; 32]");
	}
	const KNOWN: (usize, usize, usize) = (1, 4, 0);

	#[test]
	fn counts_are_exact_and_impossible_counts_are_refused() {
		for seed in 0..50u8 {
			let roles = split(&[seed; 32], 10, 3, 2).unwrap();
			assert_eq!(count(&roles, ChunkRole::Test), 3);
			assert_eq!(count(&roles, ChunkRole::Validation), 2);
			assert_eq!(count(&roles, ChunkRole::Training), 5);
		}
		assert_eq!(split(&[0; 32], 3, 2, 2), None);
		assert_eq!(split(&[0; 32], 3, u32::MAX, 1), None);
		assert_eq!(split(&[0; 32], 4, 4, 0).unwrap(), vec![ChunkRole::Test; 4]);
		assert_eq!(split(&[0; 32], 0, 0, 0).unwrap(), vec![]);
	}

	#[test]
	fn every_chunk_is_as_likely_to_be_test() {
		// 4,000 splits of 8 chunks with 2 test chunks: each chunk is test 1,000 times in
		// expectation with a standard deviation of 27; ±120 (4.4 deviations) fails a fair
		// split with probability below 1e-4, and catches a fixed or biased choice at once.
		let mut hits = [0u32; 8];
		for s in 0..4_000u32 {
			let mut seed = [0u8; 32];
			seed[..4].copy_from_slice(&s.to_le_bytes());
			for (i, role) in split(&seed, 8, 2, 0).unwrap().into_iter().enumerate() {
				if role == ChunkRole::Test {
					hits[i] += 1;
				}
			}
		}
		for (i, h) in hits.iter().enumerate() {
			assert!((880..=1_120).contains(h), "chunk {i} was test {h} times of an expected 1,000");
		}
	}
}
