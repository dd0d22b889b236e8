//! CIDR blocks for `IpAddress`/`NotIpAddress`. Every address lives in the IPv6 space, an
//! IPv4 address as its IPv4-mapped form (`::ffff:a.b.c.d`), so `203.0.113.0/24` matches a
//! peer seen as `::ffff:203.0.113.7` (a dual-stack socket) and `::ffff:0:0/96` matches
//! every IPv4 peer.

use std::net::IpAddr;

/// An address block: the masked base and the prefix length, both in IPv6 space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cidr {
    base: u128,
    prefix: u8,
}

/// How many leading bits of the IPv6 space are the IPv4-mapped prefix.
const MAPPED_BITS: u8 = 96;

impl Cidr {
    /// `203.0.113.0/24`, `2001:DB8:1234:5678::/64`, or a bare address (`/32`, `/128`, as
    /// AWS's default prefix). Bits below the prefix are ignored, as AWS does.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let address: IpAddr = address.parse().ok()?;
        let width: u8 = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|p| *p <= width)?
            }
            Some(_) => return None,
        };
        let prefix = if address.is_ipv4() {
            prefix + MAPPED_BITS
        } else {
            prefix
        };
        Some(Self {
            base: to_v6_bits(address) & mask(prefix),
            prefix,
        })
    }

    /// Whether `address` (a request's `aws:SourceIp`) is inside.
    pub(crate) fn contains(&self, address: IpAddr) -> bool {
        to_v6_bits(address) & mask(self.prefix) == self.base
    }

    /// The prefix length in the address's own family (`/24` for `203.0.113.0/24`), and
    /// whether the block is IPv4.
    pub(crate) fn family_prefix(&self) -> (bool, u8) {
        let mapped = self.prefix >= MAPPED_BITS && self.base >> 32 == 0xffff;
        if mapped {
            (true, self.prefix - MAPPED_BITS)
        } else {
            (false, self.prefix)
        }
    }
}

/// Parses a request's address (`aws:SourceIp`).
pub(crate) fn parse_address(text: &str) -> Option<IpAddr> {
    text.trim().parse().ok()
}

fn to_v6_bits(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn mask(prefix: u8) -> u128 {
    // A shift by 128 would overflow: /0 masks nothing.
    u128::MAX
        .checked_shl(128 - u32::from(prefix.min(128)))
        .unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn inside(cidr: &str, address: &str) -> bool {
        Cidr::parse(cidr)
            .unwrap()
            .contains(parse_address(address).unwrap())
    }

    #[test]
    fn ipv4() {
        assert!(inside("203.0.113.0/24", "203.0.113.255"));
        assert!(!inside("203.0.113.0/24", "203.0.114.0"));
        assert!(inside("203.0.113.9/24", "203.0.113.1"));
        assert!(inside("10.1.2.3", "10.1.2.3"));
        assert!(!inside("10.1.2.3", "10.1.2.4"));
        assert!(inside("0.0.0.0/0", "198.51.100.1"));
        assert!(!inside("0.0.0.0/0", "2001:db8::1"));
    }

    #[test]
    fn ipv6_and_mapped() {
        assert!(inside("2001:DB8:1234:5678::/64", "2001:db8:1234:5678:abcd::1"));
        assert!(!inside("2001:DB8:1234:5678::/64", "2001:db8:1234:5679::1"));
        assert!(inside("::/0", "2001:db8::1"));
        assert!(inside("::/0", "192.0.2.1"));
        assert!(inside("203.0.113.0/24", "::ffff:203.0.113.7"));
        assert!(inside("::ffff:203.0.113.0/120", "203.0.113.7"));
        assert!(inside("::ffff:0:0/96", "8.8.8.8"));
    }

    #[test]
    fn family_prefix() {
        assert_eq!(Cidr::parse("10.0.0.0/8").unwrap().family_prefix(), (true, 8));
        assert_eq!(Cidr::parse("2001:db8::/32").unwrap().family_prefix(), (false, 32));
    }

    #[test]
    fn refuses_garbage() {
        for bad in [
            "",
            "1.2.3.4/33",
            "::/129",
            "1.2.3/8",
            "1.2.3.4/",
            "1.2.3.4/-1",
            "1.2.3.4/8/8",
            "x",
            "1.2.3.4/ 8",
            "1.2.3.4/0008",
        ] {
            assert!(Cidr::parse(bad).is_none(), "{bad}");
        }
    }
}
