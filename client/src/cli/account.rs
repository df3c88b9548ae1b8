//! `mlc balance`, `mlc transfer`.

use serde_json::json;
use subxt::utils::{AccountId32, MultiAddress};

use super::{Ctx, Report};
use modelchain_client::{keys, modelchain, units, Client};

/// Free, held (by pallets, e.g. stakes and escrows) and frozen balance of `who`.
pub async fn balances(client: &Client, who: &AccountId32) -> anyhow::Result<(u128, u128, u128)> {
	let at = client.at_best().await?;
	let info = at.storage().fetch(modelchain::storage().system().account(), (who.clone(),)).await?.decode()?;
	Ok((info.data.free, info.data.reserved, info.data.frozen))
}

pub async fn balance(ctx: &mut Ctx, account: Option<String>) -> anyhow::Result<Report> {
	let who = match account {
		Some(text) => keys::parse_account(&text)?,
		None => keys::account(
			&ctx.signer()
				.map_err(|_| anyhow::anyhow!("whose balance? give an account (mlc balance //Bob) or --suri"))?,
		),
	};
	let (free, held, frozen) = balances(ctx.client().await?, &who).await?;
	Ok(Report::new(
		json!({ "account": who.to_string(), "free": free.to_string(), "held": held.to_string(), "frozen": frozen.to_string() }),
		format!(
			"{who}\n  free:   {}\n  held:   {}\n  frozen: {}",
			units::format(free),
			units::format(held),
			units::format(frozen)
		),
	))
}

pub async fn transfer(ctx: &mut Ctx, to: &str, amount: &str) -> anyhow::Result<Report> {
	let signer = ctx.signer()?;
	let to = keys::parse_account(to)?;
	let value = units::parse(amount)?;
	// Checked here: the chain would refuse it only after charging the fee.
	let from = keys::account(&signer);
	let (free, _, frozen) = balances(ctx.client().await?, &from).await?;
	anyhow::ensure!(
		value <= free.saturating_sub(frozen),
		"insufficient funds: {from} has only {} spendable, cannot send {}",
		units::format(free.saturating_sub(frozen)),
		units::format(value)
	);
	let call = modelchain::tx().balances().transfer_keep_alive(MultiAddress::Id(to.clone()), value);
	let included = super::model::submit(ctx, &call, "sending the transfer").await?;
	let fee = included.fee_paid();
	Ok(Report::new(
		json!({ "to": to.to_string(), "amount": value.to_string(), "fee": fee.to_string(), "block": included.block_number }),
		format!(
			"sent {} to {to} in block #{} (fee {})",
			units::format(value),
			included.block_number,
			units::format(fee)
		),
	))
}
