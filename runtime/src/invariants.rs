//! The runtime's invariants, checked natively against any state: after every block of the
//! call-sequence fuzzer (`tests::fuzz`) and against a real node's state read over RPC after it
//! was killed and restarted (`node/tests/crash.rs`). Written once so both check the same thing.
//!
//! Every market pallet's `try_state` (its storage agrees with itself and with the holds it
//! accounts for), and the balances: each account's holds sum to its reserved balance, no
//! account has consumers without a provider, and the accounts add up to the total issuance.

use crate::{AccountId, Balance, Balances, Runtime};
use alloc::{format, string::String};
use polkadot_sdk::{frame_system, pallet_balances};

/// Checks every invariant in the current externalities; the first broken one, in words.
pub fn check() -> Result<(), String> {
	pallet_ml_staking::Pallet::<Runtime>::do_try_state().map_err(|e| format!("staking: {e:?}"))?;
	pallet_ml_models::Pallet::<Runtime>::do_try_state().map_err(|e| format!("models: {e:?}"))?;
	pallet_ml_predictions::Pallet::<Runtime>::do_try_state().map_err(|e| format!("predictions: {e:?}"))?;
	pallet_ml_bounties::Pallet::<Runtime>::do_try_state().map_err(|e| format!("bounties: {e:?}"))?;
	let mut total: Balance = 0;
	for (who, info) in frame_system::Account::<Runtime>::iter() {
		total = total.saturating_add(info.data.free).saturating_add(info.data.reserved);
		if info.consumers > 0 && info.providers == 0 && info.sufficients == 0 {
			return Err(format!("{who} has {} consumers and no providers", info.consumers));
		}
		let held = holds_of(&who);
		if held != info.data.reserved {
			return Err(format!("{who}'s holds ({held}) differ from its reserved balance ({})", info.data.reserved));
		}
	}
	let issuance = Balances::total_issuance();
	if total != issuance {
		return Err(format!("the accounts' balances ({total}) do not add up to the issuance ({issuance})"));
	}
	Ok(())
}

fn holds_of(who: &AccountId) -> Balance {
	pallet_balances::Holds::<Runtime>::get(who).iter().fold(0, |sum, h| sum.saturating_add(h.amount))
}
