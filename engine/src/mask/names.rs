//! The name lists shipped in the crate: common given names and surnames
//! across the languages finance teams write in, and capitalised words that
//! follow a given name without being a surname. Words that are also common
//! English words or months (`May`, `June`, `Bill`, `Will`, `Grant`,
//! `Chase`, `Penny`) are left out of the given names on purpose. The
//! extended lists in `names/` (one name a line) add the given names and
//! surnames of many more languages.

use std::sync::OnceLock;

const FIRST_NAMES: &str = "aaron abdul abigail adam adrian ahmed aisha alan albert alberto alejandro alex alexander alexandra alexis alfred ali alice alicia alison amanda amber amelia amina amir amit amy ana anastasia andrea andreas andrew andrés andy angela angelo anita ann anna anne annette anthony antoine antonio anya arjun arthur ashley aurelie barbara beatrice ben benjamin bernard beth betty bianca bob bogdan brandon brenda brian bruno bryan camille carl carla carlos carmen carol caroline catherine cecile charles charlie charlotte chen chloe chris christian christina christine christopher claire clara claudia colin connor craig cristina cynthia daniel daniela danielle david deborah debra denise dennis diana diane diego dimitri dmitri dominic donald donna doris dorothy douglas dylan edward elena elif elijah elizabeth ella ellen emily emma eric erik erika ethan eva evelyn fabian fatima felix fernando filip fiona florian francesca francesco francisco françois frank franz frederic gabriel gabriela gary george georg gerald gerhard giovanni giulia giuseppe gloria grace gregory gustavo hana hannah hans harold harry heather heinz helen helena henrik henry hiroshi holly hugo ian igor ines ingrid irene isabel isabella ivan jack jacob jacqueline james jan jane janet janice jason javier jean jeff jeffrey jennifer jeremy jerry jessica jim joan joe johan johann johannes john jonas jonathan jorge jose josé joseph joshua juan judith julia julian julie juliette justin jürgen karen karim karl kate katherine kathleen kathryn katrin kayla keith kelly kenneth kevin kim klaus kyle larry laura lauren laurent lea leah lena leon leonardo liam lillian linda lisa liu logan lorenzo louis louise lucas lucia luis luisa luka lukas maria marie marina mario marion marta martha martin mary mateo matteo matthew matthias maximilian mehmet melissa mia michael michel michelle miguel mikhail milan mohamed mohammed monica monika nancy natalia natalie nathan nicholas nicolas nicole niklas nina noah noemi oliver olivia olga omar oscar pablo pamela paolo patricia patrick paul paula pedro peter petra philip philippe pierre pietro piotr priya rachel rafael rahul raj rajesh ralph ramon raymond rebecca richard rita robert roberto roger ronald rosa ruth ryan sabine samantha samuel sandra sara sarah scott sean sebastian sergei sergio sharon shirley simon simone sofia sophia sophie stefan stefanie stephanie stephen steven susan sven sylvia tamara teresa terry thomas tim timothy tobias tom tomas tyler ursula valentina valerie vanessa vera victor victoria vincent virginia walter wei wayne william wolfgang xavier yan yasmin yusuf yuki zachary zhang zoe";

const SURNAMES: &str = "adams allen alvarez anderson bailey baker becker bernard bianchi brown bruno campbell carter castro chen clark collins colombo cook cooper costa cruz davies davis diaz dubois dupont durand edwards evans fischer fernandez fontaine ferrari fernández flores fuchs garcia garcía gomez gómez gonzalez gonzález green gray hall harris hernandez hill hoffmann hofmann hughes jackson jansen janssen johnson jones kaiser kelly khan king klein koch kowalski kumar lambert lange lee lewis lopez lópez martin martinez martínez meier meyer miller mitchell moore morales moreau morgan morris müller mueller murphy nelson nguyen novak parker patel perez pérez peters petit phillips ramirez ramos reed richard richardson rivera roberts robinson rodriguez rodríguez rossi roux russo sanchez sánchez schmidt schmitt schneider schulz schwarz scott shah sharma silva singh smith smits stewart taylor thomas thompson torres turner walker wagner wang watson weber white williams wilson wolf wood wright wu yang young zimmermann";

/// Capitalised words that do not continue a name: months, days, words
/// that start sentences or name things in finance text.
const STOPWORDS: &str = "january february march april may june july august september october november december monday tuesday wednesday thursday friday saturday sunday the a an and or but in on at to of for from by with as is was are be this that these those it its he she they we you i please thanks thank invoice invoices payment payments account accounts bank ltd inc llc gmbh corp company group street road avenue total amount balance due paid order orders customer client vendor supplier team department finance accounting ceo cfo q1 q2 q3 q4 fy eur usd gbp chf jpy note notes re fw fwd subject dear hi hello regards best kind yes no ok all sir madam sirs colleagues everyone both director manager head office board committee management controller treasurer auditor auditors accountant legal operations support sales marketing procurement payroll admin administrator service desk";

/// Given names and surnames of many languages, from Faker's locales (MIT
/// licence), Latin script, without English words: built by
/// `bench/pii/build_name_lists.py`.
const EXTENDED_FIRST_NAMES: &str = include_str!("names/first_names.txt");
const EXTENDED_SURNAMES: &str = include_str!("names/surnames.txt");

/// Fixed-seed hashing: the lists are static and looked up per word.
type WordSet = std::collections::HashSet<&'static str, foldhash::fast::FixedState>;

fn set(words: &'static str) -> WordSet {
    words.split(' ').collect()
}

/// The hand-written list plus one word per line of `extended`.
fn set_with(words: &'static str, extended: &'static str) -> WordSet {
    let mut set = set(words);
    set.extend(extended.lines().filter(|l| !l.is_empty()));
    set
}

/// The lists' words have at most 17 bytes: a word over 32 is no name.
const LONGEST_LOOKUP: usize = 32;

fn lookup(list: &'static OnceLock<WordSet>, build: fn() -> WordSet, word: &str) -> bool {
    if word.len() > LONGEST_LOOKUP {
        return false;
    }
    let set = list.get_or_init(build);
    if word.is_ascii() {
        // Lower-case on the stack: this runs for every capitalised word of
        // every scanned cell.
        let mut buffer = [0u8; LONGEST_LOOKUP];
        let lower = &mut buffer[..word.len()];
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        return std::str::from_utf8(lower).is_ok_and(|w| set.contains(w));
    }
    set.contains(word.to_lowercase().as_str())
}

pub(super) fn is_first_name(word: &str) -> bool {
    static LIST: OnceLock<WordSet> = OnceLock::new();
    word.len() >= 2 && lookup(&LIST, || set_with(FIRST_NAMES, EXTENDED_FIRST_NAMES), word)
}

/// A given name of the hand-written list: common in the languages finance
/// teams write in, and never an English word. The extended lists are
/// larger and less certain, so a name found only there scores lower.
pub(super) fn is_common_first_name(word: &str) -> bool {
    static LIST: OnceLock<WordSet> = OnceLock::new();
    word.len() >= 2 && lookup(&LIST, || set(FIRST_NAMES), word)
}

pub(super) fn is_surname(word: &str) -> bool {
    static LIST: OnceLock<WordSet> = OnceLock::new();
    word.len() >= 2 && lookup(&LIST, || set_with(SURNAMES, EXTENDED_SURNAMES), word)
}

pub(super) fn is_name_stopword(word: &str) -> bool {
    static LIST: OnceLock<WordSet> = OnceLock::new();
    lookup(&LIST, || set(STOPWORDS), word.trim_end_matches('.'))
}
