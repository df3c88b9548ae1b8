//! Weights for `pallet_ml_predictions`
//!
//! NOTE: placeholder weights, written by hand and deliberately generous, until they are
//! generated on reference hardware with the node's benchmark CLI:
//!
//! ```sh
//! cargo build --release -p modelchain-node --features runtime-benchmarks
//! $CARGO_TARGET_DIR/release/modelchain-node benchmark pallet \
//!     --runtime $CARGO_TARGET_DIR/release/wbuild/modelchain-runtime/modelchain_runtime.compact.compressed.wasm \
//!     --genesis-builder=runtime --genesis-builder-preset=development \
//!     --pallet pallet_ml_predictions --extrinsic '*' --steps 50 --repeat 20 \
//!     --output pallets/predictions/src/weights.rs \
//!     --template pallets/staking/weight-template.hbs
//! ```
//!
//! `challenge` is charged per thousand units (`c`) of the larger of the model's cost and its
//! blob length: fetching and decoding a blob is linear in its length, inference in its cost.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]
#![allow(dead_code)]

use polkadot_sdk::{
	frame_support::{traits::Get, weights::{Weight, RuntimeDbWeight, constants::RocksDbWeight}},
	frame_system,
};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_ml_predictions`.
pub trait WeightInfo {
	fn request_prediction(i: u32, r: u32, ) -> Weight;
	fn submit_predictions(n: u32, r: u32, ) -> Weight;
	fn challenge(c: u32, ) -> Weight;
	fn set_parameters() -> Weight;
	fn expire_requests(n: u32, r: u32, ) -> Weight;
	fn prune_results(n: u32, ) -> Weight;
	fn check_answers(n: u32, ) -> Weight;
}

/// Weights for `pallet_ml_predictions` using the Substrate node and recommended hardware.
pub type SubstrateWeight<T> = Placeholder<<T as frame_system::Config>::DbWeight>;

/// The placeholder weights over database weights `D`.
pub struct Placeholder<D>(PhantomData<D>);
impl<D: Get<RuntimeDbWeight>> WeightInfo for Placeholder<D> {
	fn request_prediction(i: u32, r: u32, ) -> Weight {
		Weight::from_parts(150_000_000, 12_000)
			.saturating_add(Weight::from_parts(20_000, 1).saturating_mul(i.into()))
			.saturating_add(Weight::from_parts(30_000_000, 2_600).saturating_mul(r.into()))
			.saturating_add(D::get().reads(8_u64))
			.saturating_add(D::get().writes(6_u64))
			.saturating_add(D::get().writes((1_u64).saturating_mul(r.into())))
	}
	fn submit_predictions(n: u32, r: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(Weight::from_parts(120_000_000, 80_000).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(60_000_000, 5_200).saturating_mul((n as u64).saturating_mul(r.into())))
			.saturating_add(D::get().reads((6_u64).saturating_mul(n.into())))
			.saturating_add(D::get().writes((6_u64).saturating_mul(n.into())))
			.saturating_add(D::get().reads((4_u64).saturating_mul((n as u64).saturating_mul(r.into()))))
			.saturating_add(D::get().writes((4_u64).saturating_mul((n as u64).saturating_mul(r.into()))))
	}
	fn challenge(c: u32, ) -> Weight {
		Weight::from_parts(150_000_000, 90_000)
			.saturating_add(Weight::from_parts(14_000_000, 1_000).saturating_mul(c.into()))
			.saturating_add(D::get().reads(40_u64))
			.saturating_add(D::get().writes(40_u64))
	}
	fn set_parameters() -> Weight {
		Weight::from_parts(20_000_000, 1_500)
			.saturating_add(D::get().writes(1_u64))
	}
	fn expire_requests(n: u32, r: u32, ) -> Weight {
		Weight::from_parts(10_000_000, 1_500)
			.saturating_add(D::get().reads(2_u64))
			.saturating_add(D::get().writes(2_u64))
			.saturating_add(Weight::from_parts(100_000_000, 80_000).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(60_000_000, 5_200).saturating_mul((n as u64).saturating_mul(r.into())))
			.saturating_add(D::get().reads((4_u64).saturating_mul(n.into())))
			.saturating_add(D::get().writes((4_u64).saturating_mul(n.into())))
			.saturating_add(D::get().reads((4_u64).saturating_mul((n as u64).saturating_mul(r.into()))))
			.saturating_add(D::get().writes((4_u64).saturating_mul((n as u64).saturating_mul(r.into()))))
	}
	fn prune_results(n: u32, ) -> Weight {
		Weight::from_parts(10_000_000, 1_500)
			.saturating_add(D::get().reads(2_u64))
			.saturating_add(D::get().writes(2_u64))
			.saturating_add(Weight::from_parts(30_000_000, 2_600).saturating_mul(n.into()))
			.saturating_add(D::get().reads((1_u64).saturating_mul(n.into())))
			.saturating_add(D::get().writes((2_u64).saturating_mul(n.into())))
	}
	fn check_answers(n: u32, ) -> Weight {
		Weight::from_parts(5_000_000, 0)
			.saturating_add(Weight::from_parts(40_000_000, 80_000).saturating_mul(n.into()))
			.saturating_add(D::get().reads((3_u64).saturating_mul(n.into())))
	}
}

// For backwards compatibility and tests.
impl WeightInfo for () {
	fn request_prediction(i: u32, r: u32, ) -> Weight { Placeholder::<RocksDbWeight>::request_prediction(i, r) }
	fn submit_predictions(n: u32, r: u32, ) -> Weight { Placeholder::<RocksDbWeight>::submit_predictions(n, r) }
	fn challenge(c: u32, ) -> Weight { Placeholder::<RocksDbWeight>::challenge(c) }
	fn set_parameters() -> Weight { Placeholder::<RocksDbWeight>::set_parameters() }
	fn expire_requests(n: u32, r: u32, ) -> Weight { Placeholder::<RocksDbWeight>::expire_requests(n, r) }
	fn prune_results(n: u32, ) -> Weight { Placeholder::<RocksDbWeight>::prune_results(n) }
	fn check_answers(n: u32, ) -> Weight { Placeholder::<RocksDbWeight>::check_answers(n) }
}
