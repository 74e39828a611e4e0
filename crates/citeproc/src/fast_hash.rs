//! A fast hash for the processor's small maps (variable names, terms, an
//! item's fields), which are probed millions of times in a big list: the
//! standard library's SipHash guards against crafted keys, which these maps
//! never see from an attacker in a way that matters (a style and items are
//! the user's own), and costs several times more per probe.
//!
//! The mixing step is the multiply-rotate one of rustc's `FxHasher`. A
//! product's low bits depend only on the low bits of what was multiplied,
//! while `HashMap` picks a bucket by the hash's low bits: keys that differ
//! only after their first byte (`w1`, `w2`, … `w1999`; `doe2020`,
//! `doe2021`) would share a few dozen buckets and be probed one by one. So
//! the finished hash is rotated, bringing the well-mixed high bits down.

use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A `HashSet` with [`FastHasher`].
pub type FastSet<K> = std::collections::HashSet<K, BuildHasherDefault<FastHasher>>;

/// Multiply-rotate hashing, a word at a time.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_find_what_they_hold() {
        let mut map: FastMap<String, usize> = FastMap::default();
        let keys = ["", "a", "title", "container-title", "collection-title-short", "a somewhat longer key of text"];
        for (i, key) in keys.iter().enumerate() {
            map.insert(key.to_string(), i);
        }
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(map.get(*key), Some(&i), "{key}");
        }
        assert_eq!(map.get("titl"), None);
    }

    /// Keys alike in their first bytes spread over the buckets a map of
    /// their size uses (its hash's low bits), as much as random ones do.
    #[test]
    fn keys_with_a_common_start_spread() {
        use std::hash::BuildHasher;
        let build = BuildHasherDefault::<FastHasher>::default();
        let families: [&dyn Fn(usize) -> String; 4] = [
            &|i| format!("w{i}"),
            &|i| format!("doe{}", 1900 + i),
            &|i| format!("chapter-0001-reference-{i:04}"),
            &|i| format!("{i}"),
        ];
        for (f, family) in families.iter().enumerate() {
            let buckets: FastSet<u64> = (0..2000).map(|i| build.hash_one(family(i).as_str()) & 4095).collect();
            // 2,000 keys thrown at random into 4,096 buckets fill about 1,600.
            assert!(buckets.len() > 1400, "family {f}: {} buckets", buckets.len());
            let numbers: FastSet<u64> = (0..2000usize).map(|i| build.hash_one((i, f > 1, false)) & 4095).collect();
            assert!(numbers.len() > 1400, "tuples: {} buckets", numbers.len());
        }
    }
}
