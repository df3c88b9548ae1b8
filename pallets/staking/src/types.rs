//! Types kept in storage and used in events.

use crate::Config;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::fungible, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use frame_system::pallet_prelude::BlockNumberFor;
use modelchain_primitives::traits::{OffenceKind, TaskRef};
use polkadot_sdk::{
	frame_support, frame_system,
	sp_runtime::{
		traits::{Saturating, Zero},
		Perbill,
	},
};
use scale_info::TypeInfo;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	modelchain_primitives::funds::BalanceOf<<T as Config>::Currency, <T as frame_system::Config>::AccountId>;

/// Slashed funds, handed to [`Config::OnSlash`].
pub type CreditOf<T> = fungible::Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

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
}

impl<T: Config> StakingLedger<T> {
	/// A ledger with `active` bonded and nothing unbonding.
	pub fn new(active: BalanceOf<T>) -> Self {
		Self { active, unbonding: BoundedVec::new() }
	}

	/// Active plus unbonding stake: what is held, and what a slash can reach.
	pub fn total(&self) -> BalanceOf<T> {
		self.unbonding.iter().fold(self.active, |acc, c| acc.saturating_add(c.value))
	}

	/// Nothing bonded and nothing unbonding: the ledger can go (unless a slash is pending,
	/// which the caller checks).
	pub fn is_empty(&self) -> bool {
		self.active.is_zero() && self.unbonding.is_empty()
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

/// The largest severity reported in a span for each offence kind.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug, Clone, Copy, PartialEq, Eq, Default,
)]
pub struct KindSeverities {
	/// Largest `WrongAnswer` severity.
	pub wrong_answer: Perbill,
	/// Largest `MissedTask` severity.
	pub missed_task: Perbill,
	/// Largest `BrokenReveal` severity.
	pub broken_reveal: Perbill,
	/// Largest `Stalling` severity.
	pub stalling: Perbill,
}

impl KindSeverities {
	/// The severity recorded for `kind`.
	pub fn get(&self, kind: OffenceKind) -> Perbill {
		match kind {
			OffenceKind::WrongAnswer => self.wrong_answer,
			OffenceKind::MissedTask => self.missed_task,
			OffenceKind::BrokenReveal => self.broken_reveal,
			OffenceKind::Stalling => self.stalling,
		}
	}

	/// Raises the severity of `kind` to `severity` if that is larger; never lowers it.
	pub fn raise(&mut self, kind: OffenceKind, severity: Perbill) {
		let slot = match kind {
			OffenceKind::WrongAnswer => &mut self.wrong_answer,
			OffenceKind::MissedTask => &mut self.missed_task,
			OffenceKind::BrokenReveal => &mut self.broken_reveal,
			OffenceKind::Stalling => &mut self.stalling,
		};
		*slot = (*slot).max(severity);
	}

	/// Every kind with its severity.
	pub fn iter(&self) -> impl Iterator<Item = (OffenceKind, Perbill)> + '_ {
		OffenceKind::ALL.into_iter().map(|kind| (kind, self.get(kind)))
	}

	/// Whether no kind has a severity.
	pub fn is_zero(&self) -> bool {
		self.iter().all(|(_, severity)| severity.is_zero())
	}
}

/// An offence in a span that a later proof may cancel: it names its task (and who proved it).
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug, Clone, PartialEq, Eq)]
pub struct TrackedOffence<AccountId> {
	/// What the offender did.
	pub kind: OffenceKind,
	/// The severity the reporting pallet gave.
	pub severity: Perbill,
	/// The task it was committed in.
	pub task: TaskRef,
	/// Who proved it; shares the reward when the slash is applied.
	pub reporter: Option<AccountId>,
}

/// A worker's open slashing span: every offence reported against it since the span opened,
/// combined into one slash that is applied at `apply_at` (see the `slashing` module).
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound(T: Config))]
pub struct SpanSlash<T: Config> {
	/// Block of the report that opened the span.
	pub opened_at: BlockNumberFor<T>,
	/// Block from which the slash is applied: `SlashDeferDuration` after the opening report,
	/// pushed back to `SlashDeferDuration` after each later cancellable report, so a proof that
	/// cancels it always has the full deferral to arrive.
	pub apply_at: BlockNumberFor<T>,
	/// The largest stake (active plus unbonding) the worker had at any report of the span;
	/// the severities apply to it.
	pub stake: BalanceOf<T>,
	/// Largest severity per kind of the reports that cannot be cancelled (liveness offences,
	/// and cancellable ones beyond `MaxTrackedOffences`).
	pub untracked: KindSeverities,
	/// The cancellable offences, each with its task and reporter.
	pub tracked: BoundedVec<TrackedOffence<T::AccountId>, T::MaxTrackedOffences>,
	/// Reports that joined the span, cancelled ones included.
	pub reports: u32,
	/// What the span slashes now: `span_severity(largest per kind) × stake`, rounded down.
	pub amount: BalanceOf<T>,
}

impl<T: Config> SpanSlash<T> {
	/// The largest severity per kind over tracked and untracked offences.
	pub fn largest(&self) -> KindSeverities {
		let mut largest = self.untracked;
		for offence in self.tracked.iter() {
			largest.raise(offence.kind, offence.severity);
		}
		largest
	}
}

/// An entry of the slash queue: the worker whose span may be due, from block `due`. A span
/// whose `apply_at` moved later has a newer entry; the older one is skipped.
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug, Clone, PartialEq, Eq)]
pub struct SlashDue<AccountId, BlockNumber> {
	/// The offender.
	pub who: AccountId,
	/// The first block in which the entry is processed.
	pub due: BlockNumber,
}

/// Registration details of a registered worker.
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerInfo<BlockNumber> {
	/// Block in which the worker registered.
	pub registered_at: BlockNumber,
	/// First block in which it can be drawn: `registered_at + ActivationDelay`.
	pub drawable_from: BlockNumber,
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
	/// Liveness offences reported since the worker last completed a task; at
	/// `MaxConsecutiveMisses` it is chilled.
	pub consecutive_missed: u32,
	/// Offences reported against the worker (cancelled ones included).
	pub offences: u32,
	/// Stake actually taken by applied slashes.
	pub total_slashed: Balance,
}
