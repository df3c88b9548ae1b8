//! ModelCoin amounts: 1 MDC = 10^12 Planck. Users write and read MDC as exact decimals; the
//! chain sees Planck.

/// Decimals of one MDC.
pub const DECIMALS: u32 = 12;
/// Planck in one MDC.
pub const MDC: u128 = 10u128.pow(DECIMALS);

/// Parses an amount: a decimal number of MDC (`1.5`, `1.5 MDC`, `0.000000000001`) or a whole
/// number of Planck with the suffix `planck`. Exact: more than 12 decimals is an error, never a
/// rounding.
pub fn parse(text: &str) -> anyhow::Result<u128> {
	let t = text.trim();
	if let Some(planck) = t.strip_suffix("planck") {
		return planck.trim().parse::<u128>().map_err(|_| anyhow::anyhow!("not a whole number of Planck: {text}"));
	}
	let t = t.strip_suffix("MDC").unwrap_or(t).trim();
	let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
	let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
	let has_point = t.contains('.');
	anyhow::ensure!(
		(digits(whole) || has_point && whole.is_empty()) && (!has_point || digits(frac)),
		"not an amount of MDC: {text} (write e.g. 1.5 or 0.001, or 1000planck)"
	);
	anyhow::ensure!(frac.len() <= DECIMALS as usize, "{text}: MDC has at most 12 decimals");
	let whole: u128 =
		if whole.is_empty() { 0 } else { whole.parse().map_err(|_| anyhow::anyhow!("amount too large: {text}"))? };
	let frac_planck: u128 =
		if frac.is_empty() { 0 } else { frac.parse::<u128>()? * 10u128.pow(DECIMALS - frac.len() as u32) };
	whole
		.checked_mul(MDC)
		.and_then(|p| p.checked_add(frac_planck))
		.ok_or_else(|| anyhow::anyhow!("amount too large: {text}"))
}

/// Formats Planck as MDC, exactly, without trailing zeros: `1.5 MDC`, `0 MDC`.
pub fn format(planck: u128) -> String {
	let whole = planck / MDC;
	let frac = planck % MDC;
	if frac == 0 {
		format!("{whole} MDC")
	} else {
		let frac = format!("{frac:012}");
		format!("{whole}.{} MDC", frac.trim_end_matches('0'))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn amounts_round_trip_exactly() {
		assert_eq!(parse("1").unwrap(), MDC);
		assert_eq!(parse("1.5 MDC").unwrap(), 1_500_000_000_000);
		assert_eq!(parse(".25").unwrap(), 250_000_000_000);
		assert_eq!(parse("0.000000000001").unwrap(), 1);
		assert_eq!(parse("42planck").unwrap(), 42);
		for planck in [0, 1, 999, MDC, MDC + 1, 123_456_789_012_345, u128::MAX] {
			assert_eq!(parse(&format(planck)).unwrap(), planck, "{}", format(planck));
		}
		assert_eq!(format(1_500_000_000_000), "1.5 MDC");
		assert_eq!(format(10_000_000), "0.00001 MDC");
	}

	#[test]
	fn bad_amounts_are_errors() {
		for bad in
			["", "MDC", "1.", "1.2.3", "-1", "1e3", "0.0000000000001", "abc", "340282366920938463463374607431769"]
		{
			assert!(parse(bad).is_err(), "{bad} parsed");
		}
	}
}
