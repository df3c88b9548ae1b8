//! Block authoring (Aura) and finality (GRANDPA).

use crate::*;
use polkadot_sdk::{
	frame_support::traits::{ConstBool, ConstU32, ConstU64},
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_core::Void,
};

/// Most authorities a chain spec may list.
pub type MaxAuthorities = ConstU32<32>;

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = MaxAuthorities;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	// No session pallet, so equivocations cannot be proven against a key owner.
	type KeyOwnerProof = Void;
	type EquivocationReportSystem = ();
}
