//! Slashing: combining a worker's offences into one slash per span, and applying it later.
//!
//! ## Spans
//!
//! A worker's first offence report opens its **slashing span**; every later report joins it
//! until the span is applied. The span slashes, of the largest stake the worker had at any of
//! its reports, the share [`span_severity`] gives for the **largest** severity reported per
//! offence kind: a second report of the same kind only raises the span to the larger
//! severity, so a burst of reports (an hour offline, a flood of requests) costs what the worst
//! of them costs, not their sum. Liveness kinds (missed tasks, stalling) together take at most
//! [`Config::LivenessSlashCap`]. This is `pallet-staking`'s span rule (pay the largest
//! slash of a span, not every one) with the span ending when it is applied.
//!
//! ## Deferral and cancellation
//!
//! The span is applied [`Config::SlashDeferDuration`] blocks after it opened. Offences that a
//! later proof may overturn (a wrong answer a challenge can show was right) are **tracked**
//! one by one with their task and reporter, and each pushes the span's application back to
//! `SlashDeferDuration` after its own report, so the proof always has the full deferral to
//! arrive; liveness reports never push it back, so a worker that keeps missing cannot keep
//! its span open. A market pallet cancels one tracked offence ([`Pallet::cancel_offence`]),
//! governance a whole span ([`Config::SlashCancelOrigin`]). A span tracks at most
//! [`Config::MaxTrackedOffences`] offences; further cancellable ones still raise its
//! severity, untracked.
//!
//! ## Application
//!
//! Every opening or postponement pushes an entry to the slash queue; `on_initialize` takes
//! due entries from its head, at most [`Config::MaxSlashesPerBlock`] a block (the rest next
//! block), and applies the spans that are due: at most what is still staked, spread over the
//! active bond and every unbonding chunk ([`split_slash`]). [`Config::SlashRewardFraction`]
//! of it is shared equally by the reporters of the span's tracked offences; the rest goes to
//! [`Config::OnSlash`]. No report is ever refused for lack of room: a span is one storage
//! item per worker, and the queue grows by at most one entry per report.
//!
//! ## Rounding
//!
//! - [`compute_slash`]: `severity × stake`, rounded down.
//! - [`split_slash`]: each part of the stake (the active bond, every unbonding chunk) loses
//!   `⌊part × amount / stake⌋`. The few units this leaves (fewer than there are parts) are taken
//!   from the active bond first, then from the oldest chunk on, never more than a part holds.
//!   The parts together lose exactly `min(amount, stake)`.
//! - The reward is `SlashRewardFraction × taken`, rounded down, split equally (rounded down)
//!   among distinct reporters; what rounding leaves goes to `OnSlash`.

use crate::*;
use alloc::vec::Vec;
use frame_support::{
	defensive,
	pallet_prelude::DispatchError,
	traits::{
		fungible::{hold::Balanced as _, Balanced as _},
		Get, Imbalance, OnUnbalanced,
	},
};
use modelchain_primitives::{
	funds,
	queue::StorageQueue,
	traits::{span_severity, OffenceKind, OffenceReport, TaskRef},
};
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{AtLeast32BitUnsigned, CheckedDiv, Saturating, Zero},
	ArithmeticError, Perbill, Rounding,
};

/// The slash for an offence of `severity` by an account with `stake` (active plus unbonding),
/// rounded down.
pub fn compute_slash<B: AtLeast32BitUnsigned + Copy>(severity: Perbill, stake: B) -> B {
	severity.mul_floor(stake)
}

/// How much a slash takes from each part of a stake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlashSplit<B> {
	/// Taken from the active bond.
	pub from_active: B,
	/// Taken from each unbonding chunk, in the ledger's order (oldest first).
	pub from_chunks: Vec<B>,
}

impl<B: AtLeast32BitUnsigned + Copy> SlashSplit<B> {
	/// Everything taken.
	pub fn total(&self) -> B {
		self.from_chunks.iter().fold(self.from_active, |acc, c| acc.saturating_add(*c))
	}
}

/// Spreads a slash of `amount` over `active` and the unbonding `chunks` in proportion to their
/// size, taking at most what there is. See the module documentation for the rounding.
///
/// The proportion is computed exactly in 256-bit intermediate arithmetic on `u128`;
/// `Balance` types wider than `u128` would saturate (ModelChain's is `u128`).
pub fn split_slash<B: AtLeast32BitUnsigned + Copy>(amount: B, active: B, chunks: &[B]) -> SlashSplit<B> {
	let stake = chunks.iter().fold(active, |acc, c| acc.saturating_add(*c));
	let amount = amount.min(stake);
	let (amount_wide, stake_wide): (u128, u128) = (amount.unique_saturated_into(), stake.unique_saturated_into());
	let share = |part: B| -> B {
		let wide =
			multiply_by_rational_with_rounding(part.unique_saturated_into(), amount_wide, stake_wide, Rounding::Down)
				.unwrap_or(0);
		B::unique_saturated_from(wide).min(part)
	};
	let mut split = SlashSplit { from_active: share(active), from_chunks: chunks.iter().map(|c| share(*c)).collect() };

	let mut remainder = amount.saturating_sub(split.total());
	let mut take_rest = |taken: &mut B, part: B| {
		let extra = part.saturating_sub(*taken).min(remainder);
		*taken = taken.saturating_add(extra);
		remainder = remainder.saturating_sub(extra);
	};
	take_rest(&mut split.from_active, active);
	for (taken, part) in split.from_chunks.iter_mut().zip(chunks) {
		take_rest(taken, *part);
	}
	split
}

/// The slash queue.
pub(crate) type SlashQueueOf<T> = StorageQueue<
	SlashDue<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>,
	SlashQueue<T>,
	SlashQueueBounds<T>,
>;

impl<T: Config> Pallet<T> {
	/// What `span` slashes under the span rules, from its stake.
	pub(crate) fn span_amount(span: &SpanSlash<T>) -> BalanceOf<T> {
		let severity = span_severity(span.largest().iter(), T::LivenessSlashCap::get());
		compute_slash(severity, span.stake)
	}

	/// Adds an offence to the offender's span (opening one if needed) and applies the chill
	/// rules. Checks everything before writing anything; fails only for an unbonded offender.
	pub(crate) fn do_report_offence(report: OffenceReport<T::AccountId>) -> Result<BalanceOf<T>, DispatchError> {
		let OffenceReport { offender: who, kind, severity, task, reporter } = report;
		let ledger = Ledger::<T>::get(&who).ok_or(Error::<T>::NotBonded)?;
		let now = Self::now();
		let defer_end = now.saturating_add(T::SlashDeferDuration::get());
		let (mut span, opened) = match UnappliedSlashes::<T>::get(&who) {
			Some(span) => (span, false),
			None => (
				SpanSlash {
					opened_at: now,
					apply_at: defer_end,
					stake: Zero::zero(),
					untracked: KindSeverities::default(),
					tracked: Default::default(),
					reports: 0,
					amount: Zero::zero(),
				},
				true,
			),
		};
		span.stake = span.stake.max(ledger.total());
		span.reports = span.reports.saturating_add(1);
		let mut postponed = false;
		match task.filter(|_| !kind.is_liveness()) {
			Some(task) => {
				let offence = TrackedOffence { kind, severity, task, reporter };
				if span.tracked.try_push(offence).is_err() {
					span.untracked.raise(kind, severity);
				}
				if defer_end > span.apply_at {
					span.apply_at = defer_end;
					postponed = true;
				}
			}
			None => span.untracked.raise(kind, severity),
		}
		span.amount = Self::span_amount(&span);
		if opened || postponed {
			SlashQueueOf::<T>::push(SlashDue { who: who.clone(), due: span.apply_at });
		}
		let (span_amount, apply_at) = (span.amount, span.apply_at);
		UnappliedSlashes::<T>::insert(&who, span);

		let mut consecutive = 0u32;
		WorkerRecords::<T>::mutate_extant(&who, |record| {
			record.offences = record.offences.saturating_add(1);
			if kind.is_liveness() {
				record.consecutive_missed = record.consecutive_missed.saturating_add(1);
			}
			consecutive = record.consecutive_missed;
		});
		Self::deposit_event(Event::OffenceReported {
			who: who.clone(),
			reason: kind,
			severity,
			task,
			span_amount,
			apply_at,
		});
		let chill = match kind {
			OffenceKind::WrongAnswer => true,
			_ => kind.is_liveness() && consecutive >= T::MaxConsecutiveMisses::get(),
		};
		if chill && Workers::<T>::contains_key(&who) {
			Self::remove_worker(&who);
			Self::deposit_event(Event::ChilledForOffence { who, reason: kind });
		}
		Ok(span_amount)
	}

	/// Removes the tracked offence of `kind` in `task` from `who`'s pending span. A span left
	/// with nothing to slash is closed.
	pub(crate) fn do_cancel_offence(who: &T::AccountId, kind: OffenceKind, task: TaskRef) -> bool {
		let Some(mut span) = UnappliedSlashes::<T>::get(who) else { return false };
		let Some(index) = span.tracked.iter().position(|o| o.kind == kind && o.task == task) else {
			return false;
		};
		span.tracked.remove(index);
		span.amount = Self::span_amount(&span);
		let span_amount = span.amount;
		if span.tracked.is_empty() && span.untracked.is_zero() {
			UnappliedSlashes::<T>::remove(who);
			if let Some(ledger) = Ledger::<T>::get(who) {
				Self::put_ledger(who, ledger);
			}
		} else {
			UnappliedSlashes::<T>::insert(who, span);
		}
		Self::deposit_event(Event::OffenceCancelled { who: who.clone(), reason: kind, task, span_amount });
		true
	}

	/// Applies the spans due at `now` from the head of the queue, at most
	/// `MaxSlashesPerBlock` entries. Returns `(applied, skipped)`: entries whose span was
	/// applied, and entries whose span had been cancelled or postponed.
	pub(crate) fn apply_due_slashes(now: BlockNumberFor<T>) -> (u32, u32) {
		SlashQueueOf::<T>::process(
			T::MaxSlashesPerBlock::get(),
			|entry| entry.due <= now,
			|entry| match UnappliedSlashes::<T>::get(&entry.who) {
				Some(span) if span.apply_at <= now => {
					UnappliedSlashes::<T>::remove(&entry.who);
					Self::apply_span(&entry.who, span);
					true
				}
				_ => false,
			},
		)
	}

	/// Takes the span's amount from `who`'s stake as it is now, proportionally from the active
	/// bond and every unbonding chunk; pays the reporters' reward and hands the rest to
	/// `OnSlash`. Returns what was taken.
	pub(crate) fn apply_span(who: &T::AccountId, span: SpanSlash<T>) -> BalanceOf<T> {
		let Some(mut ledger) = Ledger::<T>::get(who) else {
			defensive!("a ledger with a pending slash is never removed");
			return Zero::zero();
		};
		let chunks: Vec<BalanceOf<T>> = ledger.unbonding.iter().map(|c| c.value).collect();
		let split = split_slash(span.amount, ledger.active, &chunks);
		let total = split.total();

		let (mut credit, missing) = T::Currency::slash(&HoldReason::Staking.into(), who, total);
		if !missing.is_zero() {
			defensive!("the staking hold always equals the ledger total");
		}
		let taken = credit.peek();
		let mut reporters: Vec<T::AccountId> = Vec::new();
		for reporter in span.tracked.iter().filter_map(|o| o.reporter.as_ref()) {
			if !reporters.contains(reporter) {
				reporters.push(reporter.clone());
			}
		}
		let mut rewarded = BalanceOf::<T>::zero();
		if let Ok(count) = u32::try_from(reporters.len()) {
			let share = T::SlashRewardFraction::get()
				.mul_floor(taken)
				.checked_div(&BalanceOf::<T>::from(count))
				.unwrap_or_else(Zero::zero);
			for reporter in reporters.iter() {
				if share.is_zero() {
					break;
				}
				let (part, rest) = credit.split(share);
				credit = match T::Currency::resolve(reporter, part) {
					Ok(()) => {
						rewarded = rewarded.saturating_add(share);
						rest
					}
					// A reporter that cannot receive it (below the existential deposit): it goes
					// with the rest.
					Err(part) => rest.merge(part),
				};
			}
		}
		T::OnSlash::on_unbalanced(credit);

		ledger.active = ledger.active.saturating_sub(split.from_active);
		for (chunk, cut) in ledger.unbonding.iter_mut().zip(split.from_chunks) {
			chunk.value = chunk.value.saturating_sub(cut);
		}
		ledger.unbonding.retain(|chunk| !chunk.value.is_zero());
		TotalStaked::<T>::mutate(|staked| *staked = staked.saturating_sub(total));
		WorkerRecords::<T>::mutate_extant(who, |record| {
			record.total_slashed = record.total_slashed.saturating_add(taken);
		});
		Self::deposit_event(Event::SlashApplied { who: who.clone(), amount: taken, reward: rewarded });
		Self::chill_if_below_minimum(who, &ledger);
		Self::put_ledger(who, ledger);
		taken
	}

	/// Takes up to `amount` of `offender`'s stake at once and moves it to `beneficiary`'s free
	/// balance. Returns what was moved (nothing if `beneficiary` cannot receive it).
	pub(crate) fn do_claw_back(
		offender: &T::AccountId,
		beneficiary: &T::AccountId,
		amount: BalanceOf<T>,
	) -> BalanceOf<T> {
		let Some(mut ledger) = Ledger::<T>::get(offender) else { return Zero::zero() };
		let chunks: Vec<BalanceOf<T>> = ledger.unbonding.iter().map(|c| c.value).collect();
		let split = split_slash(amount, ledger.active, &chunks);
		let total = split.total();
		if !funds::pay_from_hold::<T::Currency, _>(&HoldReason::Staking.into(), offender, beneficiary, total) {
			return Zero::zero();
		}
		ledger.active = ledger.active.saturating_sub(split.from_active);
		for (chunk, cut) in ledger.unbonding.iter_mut().zip(split.from_chunks) {
			chunk.value = chunk.value.saturating_sub(cut);
		}
		ledger.unbonding.retain(|chunk| !chunk.value.is_zero());
		TotalStaked::<T>::mutate(|staked| *staked = staked.saturating_sub(total));
		Self::deposit_event(Event::ClawedBack { from: offender.clone(), to: beneficiary.clone(), amount: total });
		Self::chill_if_below_minimum(offender, &ledger);
		Self::put_ledger(offender, ledger);
		total
	}

	/// Deregisters `who` if its active bond fell below `MinWorkerBond`.
	fn chill_if_below_minimum(who: &T::AccountId, ledger: &StakingLedger<T>) {
		if Workers::<T>::contains_key(who) && ledger.active < T::MinWorkerBond::get() {
			Self::remove_worker(who);
			Self::deposit_event(Event::ChilledAfterSlash { who: who.clone(), active: ledger.active });
		}
	}

	/// Holds one challenge deposit from `who`.
	pub(crate) fn do_hold_challenge_deposit(who: &T::AccountId) -> Result<(), DispatchError> {
		let amount = T::ChallengeDeposit::get();
		let count = ChallengeDeposits::<T>::get(who).unwrap_or(0).checked_add(1).ok_or(ArithmeticError::Overflow)?;
		funds::hold::<T::Currency, _>(&HoldReason::ChallengeDeposit.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		ChallengeDeposits::<T>::insert(who, count);
		Self::deposit_event(Event::ChallengeDepositHeld { who: who.clone(), amount });
		Ok(())
	}

	/// Returns (`upheld`) or forfeits one challenge deposit of `who`.
	pub(crate) fn do_settle_challenge_deposit(who: &T::AccountId, upheld: bool) -> Result<(), DispatchError> {
		let count = ChallengeDeposits::<T>::get(who).ok_or(Error::<T>::NoChallengeDeposit)?;
		match count.checked_sub(1).filter(|left| *left > 0) {
			Some(left) => ChallengeDeposits::<T>::insert(who, left),
			None => ChallengeDeposits::<T>::remove(who),
		}
		let amount = T::ChallengeDeposit::get();
		let reason = HoldReason::ChallengeDeposit.into();
		if upheld {
			funds::release::<T::Currency, _>(&reason, who, amount);
			Self::deposit_event(Event::ChallengeDepositReturned { who: who.clone(), amount });
		} else {
			let (credit, missing) = T::Currency::slash(&reason, who, amount);
			if !missing.is_zero() {
				defensive!("a challenge deposit is held in full until settled");
			}
			let taken = credit.peek();
			T::OnSlash::on_unbalanced(credit);
			Self::deposit_event(Event::ChallengeDepositForfeited { who: who.clone(), amount: taken });
		}
		Ok(())
	}
}

use frame_system::pallet_prelude::BlockNumberFor;

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec;

	#[test]
	fn compute_rounds_down() {
		assert_eq!(compute_slash(Perbill::from_percent(10), 1_009u64), 100);
		assert_eq!(compute_slash(Perbill::one(), 1_009u64), 1_009);
		assert_eq!(compute_slash(Perbill::zero(), 1_009u64), 0);
		assert_eq!(compute_slash(Perbill::from_parts(1), 999_999_999u64), 0);
		assert_eq!(compute_slash(Perbill::from_parts(1), 1_000_000_000u64), 1);
		assert_eq!(compute_slash(Perbill::one(), u128::MAX), u128::MAX);
	}

	#[test]
	fn split_is_proportional_with_remainder_from_active_then_oldest() {
		// stake 10, slash 5: shares ⌊3·5/10⌋=1, ⌊3·5/10⌋=1, ⌊4·5/10⌋=2, remainder 1 from active.
		assert_eq!(split_slash(5u64, 3, &[3, 4]), SlashSplit { from_active: 2, from_chunks: vec![1, 2] });
		// Active empty: the remainder goes to the oldest chunk.
		assert_eq!(split_slash(5u64, 0, &[3, 3, 4]), SlashSplit { from_active: 0, from_chunks: vec![2, 1, 2] });
		// Exact proportions leave no remainder.
		assert_eq!(split_slash(50u64, 100, &[200, 200]), SlashSplit { from_active: 10, from_chunks: vec![20, 20] });
	}

	#[test]
	fn split_never_exceeds_the_stake() {
		assert_eq!(split_slash(1_000u64, 3, &[4, 5]), SlashSplit { from_active: 3, from_chunks: vec![4, 5] });
		assert_eq!(split_slash(7u64, 0, &[]), SlashSplit { from_active: 0, from_chunks: vec![] });
		assert_eq!(split_slash(0u64, 5, &[5]), SlashSplit { from_active: 0, from_chunks: vec![0] });
		// Huge values do not overflow the intermediate product.
		let big = u128::MAX / 2;
		let split = split_slash(big, big, &[big]);
		assert_eq!(split.total(), big);
		assert!(split.from_active <= big && split.from_chunks[0] <= big);
	}

	#[test]
	fn split_takes_exactly_the_capped_amount_for_many_shapes() {
		let mut seed = 0x2545_f491_4f6c_dd1du64;
		let mut next = || {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			seed % 1_000
		};
		for _ in 0..2_000 {
			let active = next();
			let chunks: Vec<u64> = (0..(next() % 6)).map(|_| next()).collect();
			let amount = next() * 2;
			let stake = active + chunks.iter().sum::<u64>();
			let split = split_slash(amount, active, &chunks);
			assert_eq!(split.total(), amount.min(stake));
			assert!(split.from_active <= active);
			for (cut, part) in split.from_chunks.iter().zip(&chunks) {
				assert!(cut <= part);
				// Proportional up to the remainder, which is below the number of parts.
				let parts = chunks.len() as u128 + 1;
				let (cut, part, stake) = (*cut as u128, *part as u128, stake as u128);
				assert!(cut * stake <= part * amount.min(stake as u64) as u128 + parts * stake);
			}
		}
	}
}
