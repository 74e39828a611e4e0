//! Citation clusters made from a dataset's items, the same on every run: a
//! fixed cycle of kinds of cluster (a plain cite, a locator, affixes, several
//! items, consecutive items, ibid with and without a locator, a subsequent
//! cite, suppress-author, author-only), with items and locators drawn by a
//! seeded generator.

use scholar_citeproc::CiteRef;

/// Clusters per dataset.
pub const CLUSTERS: usize = 200;

/// Locators of every shape, with their labels (`None`: the default, page).
const LOCATORS: &[(Option<&str>, &str)] = &[
    (Some("page"), "12"),
    (Some("page"), "12-15"),
    (Some("page"), "101-9"),
    (Some("page"), "321-28"),
    (Some("page"), "1496-1504"),
    (Some("page"), "12, 15-18"),
    (Some("page"), "iv"),
    (None, "45"),
    (None, "200-210"),
    (Some("chapter"), "3"),
    (Some("chapter"), "2-4"),
    (Some("figure"), "5"),
    (Some("figure"), "2.1-2.3"),
    (Some("section"), "4.2"),
    (Some("paragraph"), "7"),
    (Some("volume"), "2"),
    (Some("line"), "10-12"),
    (Some("note"), "14"),
];

const PREFIXES: &[&str] = &["see ", "cf. ", "e.g., ", "compare "];
const SUFFIXES: &[&str] = &[", emphasis added", " (reprint)", ", and the works cited there", ": 12"];

#[derive(Clone, Copy)]
enum Kind {
    /// The next item in item order, alone.
    Next,
    /// A random item with a locator.
    Locator,
    /// A random item with a prefix, a suffix or both, sometimes a locator.
    Affixes,
    /// Two to five random items.
    Several,
    /// Two to five items adjacent in order of first citation, so numbered
    /// one after the other (numeric collapsing).
    Consecutive,
    /// The previous cluster's first item again, bare (ibid).
    Ibid,
    /// The previous cluster's first item again, with a locator (ibid with locator).
    IbidLocator,
    /// An item cited a while ago (subsequent).
    Subsequent,
    /// A random item without its author, sometimes with a locator.
    SuppressAuthor,
    /// Only a random item's author.
    AuthorOnly,
    /// Several items, one with a locator and a prefix.
    Mixed,
}

const CYCLE: &[Kind] = &[
    Kind::Next,
    Kind::Locator,
    Kind::Ibid,
    Kind::Next,
    Kind::Several,
    Kind::Next,
    Kind::IbidLocator,
    Kind::Ibid,
    Kind::Affixes,
    Kind::Consecutive,
    Kind::Next,
    Kind::Subsequent,
    Kind::SuppressAuthor,
    Kind::Next,
    Kind::AuthorOnly,
    Kind::Mixed,
    Kind::Locator,
    Kind::Next,
    Kind::Subsequent,
    Kind::Consecutive,
];

/// `CLUSTERS` clusters over `ids`, seeded by the dataset's name.
pub fn make(dataset: &str, ids: &[String]) -> Vec<Vec<CiteRef>> {
    if ids.is_empty() {
        return Vec::new();
    }
    let mut random = Random::new(dataset);
    let mut next = 0;
    let mut cited: Vec<usize> = Vec::new();
    let mut first_cited: Vec<usize> = Vec::new();
    let mut clusters: Vec<Vec<usize>> = Vec::new();
    let mut out = Vec::new();
    for step in 0..CLUSTERS {
        let kind = CYCLE[step % CYCLE.len()];
        let previous = clusters.last().map(|c| c[0]);
        let any = random.below(ids.len());
        let cites: Vec<(usize, CiteRef)> = match kind {
            Kind::Next => {
                let i = next;
                next = (next + 1) % ids.len();
                vec![(i, CiteRef::default())]
            }
            Kind::Locator => vec![(any, with_locator(random.pick(LOCATORS)))],
            Kind::Affixes => {
                let mut cite =
                    if random.below(2) == 0 { with_locator(random.pick(LOCATORS)) } else { CiteRef::default() };
                match random.below(3) {
                    0 => cite.prefix = Some(random.pick(PREFIXES).to_string()),
                    1 => cite.suffix = Some(random.pick(SUFFIXES).to_string()),
                    _ => {
                        cite.prefix = Some(random.pick(PREFIXES).to_string());
                        cite.suffix = Some(random.pick(SUFFIXES).to_string());
                    }
                }
                vec![(any, cite)]
            }
            Kind::Several => {
                let count = 2 + random.below(4);
                let mut picked = Vec::new();
                while picked.len() < count.min(ids.len()) {
                    let i = random.below(ids.len());
                    if !picked.contains(&i) {
                        picked.push(i);
                    }
                }
                picked.into_iter().map(|i| (i, CiteRef::default())).collect()
            }
            Kind::Consecutive => {
                // Items are numbered in order of first citation: a run of that
                // order has consecutive numbers (in either order in the cluster).
                let count = 2 + random.below(4);
                let mut run: Vec<usize> = if first_cited.len() >= count {
                    let start = random.below(first_cited.len() - count + 1);
                    first_cited[start..start + count].to_vec()
                } else {
                    (0..count.min(ids.len())).collect()
                };
                if random.below(2) == 0 {
                    run.reverse();
                }
                run.into_iter().map(|i| (i, CiteRef::default())).collect()
            }
            Kind::Ibid => vec![(previous.unwrap_or(any), CiteRef::default())],
            Kind::IbidLocator => vec![(previous.unwrap_or(any), with_locator(random.pick(LOCATORS)))],
            Kind::Subsequent => {
                let earlier = if cited.len() > 3 { cited[random.below(cited.len() - 3)] } else { any };
                vec![(earlier, CiteRef::default())]
            }
            Kind::SuppressAuthor => {
                let cite = if random.below(2) == 0 { with_locator(random.pick(LOCATORS)) } else { CiteRef::default() };
                vec![(any, CiteRef { suppress_author: true, ..cite })]
            }
            Kind::AuthorOnly => vec![(any, CiteRef { author_only: true, ..CiteRef::default() })],
            Kind::Mixed => {
                let other = (any + 1 + random.below(ids.len().max(2) - 1)) % ids.len();
                let first =
                    CiteRef { prefix: Some(random.pick(PREFIXES).to_string()), ..with_locator(random.pick(LOCATORS)) };
                let mut cites = vec![(any, first)];
                if other != any {
                    cites.push((other, CiteRef::default()));
                }
                cites
            }
        };
        clusters.push(cites.iter().map(|(i, _)| *i).collect());
        cited.extend(cites.iter().map(|(i, _)| *i));
        for (i, _) in &cites {
            if !first_cited.contains(i) {
                first_cited.push(*i);
            }
        }
        out.push(cites.into_iter().map(|(i, cite)| CiteRef { id: ids[i].clone(), ..cite }).collect());
    }
    out
}

fn with_locator(&(label, locator): &(Option<&str>, &str)) -> CiteRef {
    CiteRef { locator: Some(locator.to_string()), label: label.map(str::to_string), ..CiteRef::default() }
}

/// xorshift64*, seeded by FNV-1a of a name: the same numbers on every
/// platform and toolchain, so the clusters, and with them the floors, stay put.
struct Random(u64);

impl Random {
    fn new(seed: &str) -> Self {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in seed.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        Random(hash | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }

    fn pick<'t, T>(&mut self, table: &'t [T]) -> &'t T {
        &table[self.below(table.len())]
    }
}

#[test]
fn clusters_are_the_same_on_every_run_and_cover_every_kind() {
    let ids: Vec<String> = (0..40).map(|i| format!("item-{i}")).collect();
    let first = make("awkward", &ids);
    let again = make("awkward", &ids);
    assert_eq!(format!("{first:?}"), format!("{again:?}"));
    assert_eq!(first.len(), CLUSTERS);
    assert!(first.iter().any(|c| c.len() >= 3));
    assert!(first.iter().any(|c| c[0].suppress_author));
    assert!(first.iter().any(|c| c[0].author_only));
    assert!(first.iter().any(|c| c[0].prefix.is_some() && c[0].suffix.is_some()));
    assert!(first.windows(2).any(|w| w[0].len() == 1 && w[1].len() == 1 && w[0][0].id == w[1][0].id));
    // A dataset of one item still gets its clusters.
    assert_eq!(make("one", &ids[..1]).len(), CLUSTERS);
}
