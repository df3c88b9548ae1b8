//! Holding, releasing and paying out of holds: written once for every ModelChain pallet.
//!
//! Every stake, deposit and escrow is a hold (`fungible::MutateHold`) under the owning
//! pallet's hold reason. The three operations here carry the rules all pallets share:
//!
//! - [`hold`] checks `can_hold` first, so a caller that cannot pay gets one clear error
//!   ([`InsufficientBalance`], mapped to the pallet's own error) and nothing is held;
//! - [`release`] never fails a settlement: it releases at most what is held, and a shortfall
//!   (which `try_state` rules out) is reported as a defensive failure, not an error;
//! - [`pay_from_hold`] moves held funds to a recipient's free balance, or leaves them held
//!   with the payer when the recipient cannot receive them (it would stay below the
//!   existential deposit), so the caller's release of the rest returns them.

use polkadot_sdk::{
	frame_support::{
		defensive,
		traits::{
			fungible::{hold::Mutate as MutateHold, Inspect},
			tokens::{Fortitude, Precision, Restriction},
		},
	},
	sp_runtime::traits::Zero,
};

/// The free balance cannot cover the hold (it must also keep the existential deposit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsufficientBalance;

/// The balance type of currency `C`.
pub type BalanceOf<C, AccountId> = <C as Inspect<AccountId>>::Balance;

/// Holds `amount` of `who`'s free balance under `reason`. Zero is a no-op.
pub fn hold<C, A>(reason: &C::Reason, who: &A, amount: BalanceOf<C, A>) -> Result<(), InsufficientBalance>
where
	C: MutateHold<A>,
{
	if amount.is_zero() {
		return Ok(());
	}
	if !C::can_hold(reason, who, amount) {
		return Err(InsufficientBalance);
	}
	C::hold(reason, who, amount).map_err(|_| InsufficientBalance)
}

/// Releases `amount` held from `who` under `reason` to its free balance and returns what was
/// released: all of it, unless less was held, which the pallets' `try_state` rules out.
pub fn release<C, A>(reason: &C::Reason, who: &A, amount: BalanceOf<C, A>) -> BalanceOf<C, A>
where
	C: MutateHold<A>,
{
	if amount.is_zero() {
		return amount;
	}
	// `BestEffort`: a rounding slip must never make a settlement fail.
	let released = C::release(reason, who, amount, Precision::BestEffort).unwrap_or_else(|_| Zero::zero());
	if released != amount {
		defensive!("funds are held in full until released");
	}
	released
}

/// Moves `amount` of `from`'s hold under `reason` to `to`'s free balance. Returns whether it
/// was paid; if not (zero, or `to` could not receive it), the funds stay held with `from`.
pub fn pay_from_hold<C, A>(reason: &C::Reason, from: &A, to: &A, amount: BalanceOf<C, A>) -> bool
where
	C: MutateHold<A>,
{
	if amount.is_zero() {
		return false;
	}
	C::transfer_on_hold(reason, from, to, amount, Precision::Exact, Restriction::Free, Fortitude::Polite).is_ok()
}
