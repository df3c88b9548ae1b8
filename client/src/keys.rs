//! Signing keys from secret URIs: dev names (`//Alice`), mnemonics with optional derivation
//! paths and password (`word … word//hard/soft///password`), or a hex seed (`0x…`).
//!
//! Errors never contain the secret: a wrong URI is reported without echoing it.

use std::str::FromStr;

use subxt::utils::AccountId32;
use subxt_signer::{sr25519::Keypair, SecretUri};

/// The sr25519 key of `suri`.
pub fn from_suri(suri: &str) -> anyhow::Result<Keypair> {
	let uri = SecretUri::from_str(suri.trim()).map_err(|_| {
		anyhow::anyhow!(
			"the secret URI is not valid: give a dev name like //Alice, a 12 or 24 word mnemonic (optionally with //derivation), or a 0x-prefixed 32-byte seed"
		)
	})?;
	Keypair::from_uri(&uri).map_err(|e| {
		// The error names the kind of failure (bad mnemonic, bad hex), never the input.
		anyhow::anyhow!("the secret URI does not give a key ({})", redact(&e.to_string(), suri))
	})
}

/// The account of `key`.
pub fn account(key: &Keypair) -> AccountId32 {
	key.public_key().to_account_id()
}

/// An account from SS58 text, or the account of a secret URI (`//Bob`), so commands take
/// either.
pub fn parse_account(text: &str) -> anyhow::Result<AccountId32> {
	if let Ok(id) = AccountId32::from_str(text.trim()) {
		return Ok(id);
	}
	if text.trim_start().starts_with("//") {
		return Ok(account(&from_suri(text)?));
	}
	anyhow::bail!("not an SS58 address or a dev account (//Name): {text}")
}

/// `message` without any occurrence of `secret`.
fn redact(message: &str, secret: &str) -> String {
	let secret = secret.trim();
	if secret.is_empty() {
		message.to_string()
	} else {
		message.replace(secret, "<secret>")
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn dev_names_mnemonics_and_seeds_give_the_well_known_accounts() {
		// The well-known dev accounts (subkey inspect //Alice, //Bob).
		let alice = account(&from_suri("//Alice").unwrap());
		assert_eq!(alice.to_string(), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
		let phrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk//Bob";
		assert_eq!(
			account(&from_suri(phrase).unwrap()).to_string(),
			"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
		);
		assert_eq!(parse_account("//Alice").unwrap(), alice);
		assert_eq!(parse_account("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY").unwrap(), alice);
	}

	#[test]
	fn a_wrong_uri_is_an_error_that_does_not_echo_it() {
		for secret in ["not a mnemonic at all but twelve words long ok fine here we go", "0x1234", "Alice"] {
			let message = from_suri(secret).err().expect("rejected").to_string();
			assert!(!message.contains(secret), "{message}");
		}
		assert!(parse_account("nobody").is_err());
	}
}
