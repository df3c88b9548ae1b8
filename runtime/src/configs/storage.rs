//! The blob store: `pallet_preimage` keeps models and datasets on chain by `blake2_256` hash.

use crate::*;
use polkadot_sdk::{
	frame_support::{
		parameter_types,
		traits::{fungible::HoldConsideration, LinearStoragePrice},
	},
	frame_system::EnsureRoot,
};

parameter_types! {
	/// Flat part of the deposit for a noted blob.
	pub const PreimageBaseDeposit: Balance = 10 * MILLI_MDC;
	/// Per-byte part of the deposit: a 4 MiB blob holds about 4.2 MDC.
	pub const PreimageByteDeposit: Balance = MICRO_MDC;
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = EnsureRoot<AccountId>;
	/// The uploader's deposit is a hold, released when the blob is unnoted.
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}
