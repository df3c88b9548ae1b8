//! Slashing: computing a slash, and applying it later.
//!
//! The two steps are separate on purpose. The amount is fixed when the offence is reported,
//! from the stake the offender had then, so unbonding after the offence changes nothing. It is
//! applied [`Config::SlashDeferDuration`] blocks later, in `on_initialize`, unless
//! [`Config::SlashCancelOrigin`] cancels it first; at that point at most what is still staked is
//! taken. The pure functions below hold the arithmetic; the [`Pallet`] functions move the funds.
//!
//! ## Rounding
//!
//! - [`compute_slash`]: `severity × stake`, rounded down.
//! - [`split_slash`]: each part of the stake (the active bond, every unbonding chunk) loses
//!   `⌊part × amount / stake⌋`. The few units this leaves (fewer than there are parts) are taken
//!   from the active bond first, then from the oldest chunk on, never more than a part holds.
//!   The parts together lose exactly `min(amount, stake)`.

use crate::*;
use alloc::vec::Vec;
use frame_support::{
	defensive,
	pallet_prelude::DispatchError,
	traits::{fungible::hold::Balanced as _, Get, Imbalance, OnUnbalanced},
};
use modelchain_primitives::traits::OffenceKind;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{AtLeast32BitUnsigned, One, Saturating, Zero},
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

impl<T: Config> Pallet<T> {
	/// Computes the slash for an offence and schedules it (or applies it at once when
	/// `SlashDeferDuration` is zero). Checks everything before writing anything.
	pub(crate) fn do_report_offence(
		who: &T::AccountId,
		severity: Perbill,
		reason: OffenceKind,
	) -> Result<BalanceOf<T>, DispatchError> {
		let mut ledger = Ledger::<T>::get(who).ok_or(Error::<T>::NotBonded)?;
		let amount = compute_slash(severity, ledger.total());
		let slash_id = NextSlashId::<T>::get();
		let next_id = slash_id.checked_add(1).ok_or(ArithmeticError::Overflow)?;
		let now = Self::now();
		let defer = T::SlashDeferDuration::get();
		let apply_at = if defer.is_zero() { now } else { Self::free_slash_block(now.saturating_add(defer))? };

		NextSlashId::<T>::put(next_id);
		WorkerRecords::<T>::mutate_extant(who, |record| {
			record.offences = record.offences.saturating_add(1);
		});
		Self::deposit_event(Event::OffenceReported { slash_id, who: who.clone(), reason, severity, amount, apply_at });
		let slash = PendingSlash { who: who.clone(), amount, reason, severity, reported_at: now, apply_at };
		if defer.is_zero() {
			Self::apply_slash(slash_id, slash, false);
		} else {
			SlashSchedule::<T>::mutate(apply_at, |bucket| {
				if bucket.get_or_insert_with(Default::default).try_push(slash_id).is_err() {
					defensive!("free_slash_block found room in this bucket");
				}
			});
			PendingSlashes::<T>::insert(slash_id, slash);
			ledger.pending_slashes = ledger.pending_slashes.saturating_add(1);
			Ledger::<T>::insert(who, ledger);
		}
		Ok(amount)
	}

	/// The first block from `earliest` on, within [`SLASH_SCHEDULE_LOOKAHEAD`] blocks, whose
	/// bucket has room for another slash.
	pub(crate) fn free_slash_block(earliest: BlockNumberFor<T>) -> Result<BlockNumberFor<T>, DispatchError> {
		let capacity = T::MaxSlashesPerBlock::get() as usize;
		let mut at = earliest;
		for _ in 0..SLASH_SCHEDULE_LOOKAHEAD {
			if SlashSchedule::<T>::decode_len(at).unwrap_or(0) < capacity {
				return Ok(at);
			}
			at = at.saturating_add(One::one());
		}
		Err(Error::<T>::SlashScheduleFull.into())
	}

	/// Takes the slash from the offender's stake as it is now, proportionally from the active
	/// bond and every unbonding chunk, and hands the funds to `OnSlash`. `was_pending` says the
	/// slash came out of the schedule and counted in the ledger's `pending_slashes`. Returns
	/// what was taken.
	pub(crate) fn apply_slash(slash_id: SlashId, slash: PendingSlash<T>, was_pending: bool) -> BalanceOf<T> {
		let who = slash.who;
		let Some(mut ledger) = Ledger::<T>::get(&who) else {
			defensive!("a ledger with a pending slash is never removed");
			return Zero::zero();
		};
		let chunks: Vec<BalanceOf<T>> = ledger.unbonding.iter().map(|c| c.value).collect();
		let split = split_slash(slash.amount, ledger.active, &chunks);
		let total = split.total();

		let (credit, missing) = T::Currency::slash(&HoldReason::Staking.into(), &who, total);
		if !missing.is_zero() {
			defensive!("the staking hold always equals the ledger total");
		}
		let taken = credit.peek();
		T::OnSlash::on_unbalanced(credit);

		ledger.active = ledger.active.saturating_sub(split.from_active);
		for (chunk, cut) in ledger.unbonding.iter_mut().zip(split.from_chunks) {
			chunk.value = chunk.value.saturating_sub(cut);
		}
		ledger.unbonding.retain(|chunk| !chunk.value.is_zero());
		if was_pending {
			ledger.pending_slashes = ledger.pending_slashes.saturating_sub(1);
		}
		TotalStaked::<T>::mutate(|staked| *staked = staked.saturating_sub(total));
		WorkerRecords::<T>::mutate_extant(&who, |record| {
			record.total_slashed = record.total_slashed.saturating_add(taken);
		});
		Self::deposit_event(Event::SlashApplied { slash_id, who: who.clone(), amount: taken });

		if Workers::<T>::contains_key(&who) && ledger.active < T::MinWorkerBond::get() {
			Self::remove_worker(&who);
			Self::deposit_event(Event::ChilledAfterSlash { who: who.clone(), active: ledger.active });
		}
		Self::put_ledger(&who, ledger);
		taken
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
