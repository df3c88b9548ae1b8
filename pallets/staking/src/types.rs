//! Types kept in storage and used in events.

use crate::Config;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::fungible, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use frame_system::pallet_prelude::BlockNumberFor;
use modelchain_primitives::traits::OffenceKind;
use polkadot_sdk::{
	frame_support, frame_system,
	sp_runtime::{
		traits::{Saturating, Zero},
		Perbill,
	},
};
use scale_info::TypeInfo;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> = <<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Slashed funds, handed to [`Config::OnSlash`].
pub type CreditOf<T> = fungible::Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

/// Identifies a pending slash, so governance can cancel it.
pub type SlashId = u32;

/// Stake on its way out: it stays held, and slashable, until `unlock_at`.
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnlockChunk<Balance, BlockNumber> {
	/// Amount unbonding.
	pub value: Balance,
	/// First block at which `withdraw_unbonded` releases it.
	pub unlock_at: BlockNumber,
}

/// Everything an account has bonded. The held balance under `HoldReason::Staking` always
/// equals [`Self::total`].
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound(T: Config))]
pub struct StakingLedger<T: Config> {
	/// Bonded stake that counts towards being a worker.
	pub active: BalanceOf<T>,
	/// Stake being unbonded, oldest first.
	pub unbonding: BoundedVec<UnlockChunk<BalanceOf<T>, BlockNumberFor<T>>, T::MaxUnbondingChunks>,
	/// Number of reported slashes not yet applied; while non-zero nothing can be withdrawn.
	pub pending_slashes: u32,
}

impl<T: Config> StakingLedger<T> {
	/// A ledger with `active` bonded and nothing unbonding.
	pub fn new(active: BalanceOf<T>) -> Self {
		Self { active, unbonding: BoundedVec::new(), pending_slashes: 0 }
	}

	/// Active plus unbonding stake: what is held, and what a slash can reach.
	pub fn total(&self) -> BalanceOf<T> {
		self.unbonding.iter().fold(self.active, |acc, c| acc.saturating_add(c.value))
	}

	/// Nothing bonded, nothing unbonding, no slash pending: the ledger can go.
	pub fn is_dead(&self) -> bool {
		self.active.is_zero() && self.unbonding.is_empty() && self.pending_slashes == 0
	}

	/// Moves `value` from active into a chunk unlocking at `unlock_at`.
	///
	/// Merges with the last chunk if it unlocks in the same block, so many unbonds in one block
	/// use one chunk. Returns `false`, changing nothing, if a new chunk does not fit.
	pub fn schedule_unlock(&mut self, value: BalanceOf<T>, unlock_at: BlockNumberFor<T>) -> bool {
		if let Some(last) = self.unbonding.last_mut() {
			if last.unlock_at == unlock_at {
				last.value = last.value.saturating_add(value);
				self.active = self.active.saturating_sub(value);
				return true;
			}
		}
		if self.unbonding.try_push(UnlockChunk { value, unlock_at }).is_err() {
			return false;
		}
		self.active = self.active.saturating_sub(value);
		true
	}

	/// Removes the chunks unlocked at `now` and returns their sum.
	pub fn take_unlocked(&mut self, now: BlockNumberFor<T>) -> BalanceOf<T> {
		let mut unlocked = BalanceOf::<T>::zero();
		self.unbonding.retain(|c| {
			if c.unlock_at <= now {
				unlocked = unlocked.saturating_add(c.value);
				false
			} else {
				true
			}
		});
		unlocked
	}
}

/// A slash computed when the offence was reported, waiting to be applied.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound(T: Config))]
pub struct PendingSlash<T: Config> {
	/// The offender.
	pub who: T::AccountId,
	/// Severity × stake at report time. At most what is still staked is taken.
	pub amount: BalanceOf<T>,
	/// What the offender did.
	pub reason: OffenceKind,
	/// The severity the reporting pallet gave.
	pub severity: Perbill,
	/// Block in which the offence was reported.
	pub reported_at: BlockNumberFor<T>,
	/// Block whose `on_initialize` applies it; its bucket in `SlashSchedule`.
	pub apply_at: BlockNumberFor<T>,
}

/// Registration details of an active worker.
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerInfo<BlockNumber> {
	/// Block in which the worker registered.
	pub registered_at: BlockNumber,
}

/// A worker's public track record. Kept after `chill` and after the stake is withdrawn, so a
/// worker cannot shed a bad record by leaving and registering again.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug, Clone, Copy, PartialEq, Eq, Default,
)]
pub struct WorkerRecord<Balance> {
	/// Tasks for which the worker submitted a result.
	pub tasks_done: u32,
	/// Results that matched the final result.
	pub agreed: u32,
	/// Results that differed from the final result.
	pub disagreed: u32,
	/// Assigned tasks with no result in time.
	pub missed: u32,
	/// Offences reported against the worker (cancelled ones included).
	pub offences: u32,
	/// Stake actually taken by applied slashes.
	pub total_slashed: Balance,
}
