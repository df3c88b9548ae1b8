//! Weights of `pallet-ml-bounties`.
//!
//! NOT GENERATED: estimated from the code (storage reads and writes at RocksDB costs, decoding
//! and inference at the rates `pallet-ml-predictions`' benchmarks measured) until
//! `scripts/benchmark.sh` runs this pallet's benchmarks.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]
// Generated-style arithmetic on constants: cannot overflow for the component ranges used.
#![allow(clippy::arithmetic_side_effects)]

use polkadot_sdk::frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_ml_bounties`.
pub trait WeightInfo {
	fn create_bounty(c: u32, m: u32, ) -> Weight;
	fn reveal_chunk(b: u32, ) -> Weight;
	fn submit() -> Weight;
	fn withdraw() -> Weight;
	fn reveal_model(b: u32, ) -> Weight;
	fn submit_scores(n: u32, r: u32, ) -> Weight;
	fn challenge_score() -> Weight;
	fn verify_score(c: u32, ) -> Weight;
	fn advance(n: u32, ) -> Weight;
	fn deadline_empty() -> Weight;
	fn set_evaluation_parameters() -> Weight;
}

/// Weights for `pallet_ml_bounties` using the Substrate node and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn create_bounty(c: u32, m: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(Weight::from_parts(3_000_000, 2_500).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(1_000, 1).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(6_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(c.into())))
	}
	fn reveal_chunk(b: u32, ) -> Weight {
		// Decoding a test chunk: ~5 ns a byte.
		Weight::from_parts(70_000_000, 6_000)
			.saturating_add(Weight::from_parts(5_000, 1).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn submit() -> Weight {
		Weight::from_parts(50_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn withdraw() -> Weight {
		Weight::from_parts(45_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn reveal_model(b: u32, ) -> Weight {
		// Decoding and validating a model: ~5 ns a byte.
		Weight::from_parts(70_000_000, 6_000)
			.saturating_add(Weight::from_parts(5_000, 1).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn submit_scores(n: u32, r: u32, ) -> Weight {
		// The last reveal tallies: per submission a quorum over `r` scores and up to `r`
		// offence reports.
		Weight::from_parts(60_000_000, 6_000)
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(r.into()))
			.saturating_add(Weight::from_parts(30_000_000, 3_000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(4))
			.saturating_add(T::DbWeight::get().writes((3_u64).saturating_mul(n.into())))
	}
	fn challenge_score() -> Weight {
		Weight::from_parts(60_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn verify_score(c: u32, ) -> Weight {
		// `c` is thousands of units of work: inference cost plus the model's and the chunk's
		// blob bytes. ~5 ns a unit in wasm (the predictions challenge benchmark measured 3.2 ns
		// for dense models).
		Weight::from_parts(80_000_000, 8_000)
			.saturating_add(Weight::from_parts(5_000_000, 1_000).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	fn advance(n: u32, ) -> Weight {
		// The costliest phase end (finalization) reads and settles every submission.
		Weight::from_parts(120_000_000, 10_000)
			.saturating_add(Weight::from_parts(40_000_000, 3_000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(10))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(10))
			.saturating_add(T::DbWeight::get().writes((3_u64).saturating_mul(n.into())))
	}
	fn deadline_empty() -> Weight {
		Weight::from_parts(5_000_000, 1_500)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn set_evaluation_parameters() -> Weight {
		Weight::from_parts(8_000_000, 0).saturating_add(T::DbWeight::get().writes(1))
	}
}

// For backwards compatibility and tests.
impl WeightInfo for () {
	fn create_bounty(c: u32, m: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(Weight::from_parts(3_000_000, 2_500).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(1_000, 1).saturating_mul(m.into()))
			.saturating_add(RocksDbWeight::get().reads(5))
			.saturating_add(RocksDbWeight::get().writes(6_u64).saturating_add(RocksDbWeight::get().writes(c.into())))
	}
	fn reveal_chunk(b: u32, ) -> Weight {
		Weight::from_parts(70_000_000, 6_000).saturating_add(Weight::from_parts(5_000, 1).saturating_mul(b.into()))
	}
	fn submit() -> Weight {
		Weight::from_parts(50_000_000, 4_000)
	}
	fn withdraw() -> Weight {
		Weight::from_parts(45_000_000, 4_000)
	}
	fn reveal_model(b: u32, ) -> Weight {
		Weight::from_parts(70_000_000, 6_000).saturating_add(Weight::from_parts(5_000, 1).saturating_mul(b.into()))
	}
	fn submit_scores(n: u32, r: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 6_000)
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(r.into()))
			.saturating_add(Weight::from_parts(30_000_000, 3_000).saturating_mul(n.into()))
	}
	fn challenge_score() -> Weight {
		Weight::from_parts(60_000_000, 6_000)
	}
	fn verify_score(c: u32, ) -> Weight {
		Weight::from_parts(80_000_000, 8_000).saturating_add(Weight::from_parts(5_000_000, 1_000).saturating_mul(c.into()))
	}
	fn advance(n: u32, ) -> Weight {
		Weight::from_parts(120_000_000, 10_000).saturating_add(Weight::from_parts(40_000_000, 3_000).saturating_mul(n.into()))
	}
	fn deadline_empty() -> Weight {
		Weight::from_parts(5_000_000, 1_500)
	}
	fn set_evaluation_parameters() -> Weight {
		Weight::from_parts(8_000_000, 0)
	}
}
