//! People of Japan, Korea, Russia and Greece for the multilingual
//! generator: names in their own scripts with the romanizations customer
//! files hold, written out by hand here (the generator does not use the
//! matcher's dictionaries or transliteration, so that it tests them).

/// A Japanese name: kanji, katakana, and Hepburn with macrons.
pub(super) type Japanese = (&'static str, &'static str, &'static str);

pub(super) const JP_FAMILY: &[Japanese] = &[
    ("佐藤", "サトウ", "Satō"),
    ("鈴木", "スズキ", "Suzuki"),
    ("高橋", "タカハシ", "Takahashi"),
    ("田中", "タナカ", "Tanaka"),
    ("伊藤", "イトウ", "Itō"),
    ("渡辺", "ワタナベ", "Watanabe"),
    ("山本", "ヤマモト", "Yamamoto"),
    ("中村", "ナカムラ", "Nakamura"),
    ("小林", "コバヤシ", "Kobayashi"),
    ("加藤", "カトウ", "Katō"),
    ("吉田", "ヨシダ", "Yoshida"),
    ("山田", "ヤマダ", "Yamada"),
    ("佐々木", "ササキ", "Sasaki"),
    ("松本", "マツモト", "Matsumoto"),
    ("井上", "イノウエ", "Inoue"),
    ("木村", "キムラ", "Kimura"),
    ("斎藤", "サイトウ", "Saitō"),
    ("近藤", "コンドウ", "Kondō"),
    ("安藤", "アンドウ", "Andō"),
    ("大野", "オオノ", "Ōno"),
    ("本間", "ホンマ", "Honma"),
    ("後藤", "ゴトウ", "Gotō"),
    ("遠藤", "エンドウ", "Endō"),
    ("工藤", "クドウ", "Kudō"),
    ("大橋", "オオハシ", "Ōhashi"),
    ("難波", "ナンバ", "Nanba"),
    ("長谷川", "ハセガワ", "Hasegawa"),
    ("小野寺", "オノデラ", "Onodera"),
    ("東海林", "ショウジ", "Shōji"),
    ("勅使河原", "テシガハラ", "Teshigahara"),
];

pub(super) const JP_GIVEN_F: &[Japanese] = &[
    ("陽子", "ヨウコ", "Yōko"),
    ("優子", "ユウコ", "Yūko"),
    ("恵子", "ケイコ", "Keiko"),
    ("美咲", "ミサキ", "Misaki"),
    ("さくら", "サクラ", "Sakura"),
    ("愛", "アイ", "Ai"),
    ("結衣", "ユイ", "Yui"),
    ("陽菜", "ヒナ", "Hina"),
    ("真由美", "マユミ", "Mayumi"),
    ("京子", "キョウコ", "Kyōko"),
    ("純子", "ジュンコ", "Junko"),
    ("千尋", "チヒロ", "Chihiro"),
    ("奈々", "ナナ", "Nana"),
    ("凛", "リン", "Rin"),
    ("葵", "アオイ", "Aoi"),
];

pub(super) const JP_GIVEN_M: &[Japanese] = &[
    ("雄一", "ユウイチ", "Yūichi"),
    ("翔太", "ショウタ", "Shōta"),
    ("大輔", "ダイスケ", "Daisuke"),
    ("健太", "ケンタ", "Kenta"),
    ("拓也", "タクヤ", "Takuya"),
    ("浩二", "コウジ", "Kōji"),
    ("誠", "マコト", "Makoto"),
    ("蓮", "レン", "Ren"),
    ("悠真", "ユウマ", "Yūma"),
    ("健一", "ケンイチ", "Ken'ichi"),
    ("純一郎", "ジュンイチロウ", "Jun'ichirō"),
    ("隆", "タカシ", "Takashi"),
    ("大翔", "ヒロト", "Hiroto"),
    ("康平", "コウヘイ", "Kōhei"),
    ("龍之介", "リュウノスケ", "Ryūnosuke"),
];

/// A name in its own script and its Latin spellings, the official one
/// first.
pub(super) type Written = (&'static str, &'static [&'static str]);

pub(super) const KR_FAMILY: &[Written] = &[
    ("김", &["Kim", "Gim"]),
    ("이", &["Lee", "Yi", "Rhee", "I"]),
    ("박", &["Park", "Pak", "Bak"]),
    ("최", &["Choi", "Choe"]),
    ("정", &["Jung", "Jeong", "Chung"]),
    ("강", &["Kang", "Gang"]),
    ("조", &["Cho", "Jo"]),
    ("윤", &["Yoon", "Yun"]),
    ("장", &["Jang", "Chang"]),
    ("임", &["Lim", "Im", "Rim"]),
    ("한", &["Han"]),
    ("신", &["Shin", "Sin"]),
    ("권", &["Kwon", "Gwon"]),
    ("황", &["Hwang"]),
    ("안", &["Ahn", "An"]),
    ("송", &["Song"]),
    ("홍", &["Hong"]),
    ("남궁", &["Namgoong", "Namgung"]),
];

pub(super) const KR_GIVEN_F: &[Written] = &[
    ("서연", &["Seo-yeon", "Seoyeon", "Suh-yun"]),
    ("지우", &["Ji-woo", "Jiwoo", "Ji-u"]),
    ("민서", &["Min-seo", "Minseo", "Min-suh"]),
    ("하은", &["Ha-eun", "Haeun"]),
    ("수빈", &["Su-bin", "Soobin", "Subin"]),
    ("지민", &["Ji-min", "Jimin", "Chi-min"]),
    ("예은", &["Ye-eun", "Yeeun"]),
    ("은지", &["Eun-ji", "Eunji", "Un-ji"]),
    ("혜진", &["Hye-jin", "Hyejin", "Hye-chin"]),
    ("유나", &["Yu-na", "Yuna", "Yoo-na"]),
];

pub(super) const KR_GIVEN_M: &[Written] = &[
    ("민준", &["Min-jun", "Minjun", "Min-joon", "Min-chun"]),
    ("서준", &["Seo-jun", "Seojun", "Suh-joon"]),
    ("도윤", &["Do-yun", "Doyun", "Do-yoon"]),
    ("예준", &["Ye-jun", "Yejun", "Ye-joon"]),
    ("시우", &["Si-woo", "Siwoo", "Shi-woo"]),
    ("현우", &["Hyun-woo", "Hyunwoo", "Hyeon-u"]),
    ("지호", &["Ji-ho", "Jiho", "Chi-ho"]),
    ("성민", &["Sung-min", "Seongmin", "Song-min"]),
    ("영호", &["Young-ho", "Yeongho", "Yong-ho"]),
    ("동현", &["Dong-hyun", "Donghyeon", "Tong-hyon"]),
];

/// Russian family names: male and female forms, each with its spellings.
pub(super) const RU_FAMILY: &[(Written, Written)] = &[
    (("Иванов", &["Ivanov"]), ("Иванова", &["Ivanova"])),
    (("Смирнов", &["Smirnov"]), ("Смирнова", &["Smirnova"])),
    (
        ("Кузнецов", &["Kuznetsov", "Kuznetzov"]),
        ("Кузнецова", &["Kuznetsova"]),
    ),
    (("Попов", &["Popov"]), ("Попова", &["Popova"])),
    (("Соколов", &["Sokolov"]), ("Соколова", &["Sokolova"])),
    (("Лебедев", &["Lebedev"]), ("Лебедева", &["Lebedeva"])),
    (("Козлов", &["Kozlov"]), ("Козлова", &["Kozlova"])),
    (("Новиков", &["Novikov"]), ("Новикова", &["Novikova"])),
    (("Морозов", &["Morozov"]), ("Морозова", &["Morozova"])),
    (("Волков", &["Volkov"]), ("Волкова", &["Volkova"])),
    (
        ("Хрущёв", &["Khrushchev", "Khrushchyov", "Chrustschow"]),
        ("Хрущёва", &["Khrushcheva"]),
    ),
    (
        ("Щербаков", &["Shcherbakov", "Scherbakov"]),
        ("Щербакова", &["Shcherbakova", "Scherbakova"]),
    ),
    (("Жуков", &["Zhukov", "Joukov"]), ("Жукова", &["Zhukova"])),
    (
        ("Юдин", &["Iudin", "Yudin"]),
        ("Юдина", &["Iudina", "Yudina"]),
    ),
    (
        ("Яковлев", &["Iakovlev", "Yakovlev"]),
        ("Яковлева", &["Iakovleva", "Yakovleva"]),
    ),
];

pub(super) const RU_GIVEN_F: &[Written] = &[
    ("Анна", &["Anna"]),
    ("Мария", &["Mariia", "Maria", "Mariya"]),
    ("Елена", &["Elena", "Yelena"]),
    ("Ольга", &["Olga"]),
    ("Наталья", &["Natalia", "Natalya", "Natalja"]),
    ("Юлия", &["Iuliia", "Yulia", "Julia"]),
    ("Татьяна", &["Tatiana", "Tatyana"]),
    ("Ксения", &["Kseniia", "Ksenia", "Xenia"]),
    ("Екатерина", &["Ekaterina", "Yekaterina"]),
    ("Светлана", &["Svetlana"]),
];

pub(super) const RU_GIVEN_M: &[Written] = &[
    ("Александр", &["Aleksandr", "Alexander", "Alexandr"]),
    ("Дмитрий", &["Dmitrii", "Dmitriy", "Dmitry"]),
    ("Сергей", &["Sergei", "Sergey"]),
    ("Андрей", &["Andrei", "Andrey"]),
    ("Алексей", &["Aleksei", "Alexey", "Aleksey"]),
    ("Михаил", &["Mikhail", "Michail"]),
    ("Иван", &["Ivan"]),
    ("Юрий", &["Iurii", "Yuri", "Yury"]),
    ("Николай", &["Nikolai", "Nikolay"]),
    ("Евгений", &["Evgenii", "Yevgeny", "Evgeniy"]),
];

/// Greek family names: male and female forms.
pub(super) const GR_FAMILY: &[(Written, Written)] = &[
    (
        ("Παπαδόπουλος", &["Papadopoulos"]),
        ("Παπαδοπούλου", &["Papadopoulou"]),
    ),
    (("Παπαδάκης", &["Papadakis"]), ("Παπαδάκη", &["Papadaki"])),
    (
        ("Γεωργίου", &["Georgiou", "Yiorgiou"]),
        ("Γεωργίου", &["Georgiou"]),
    ),
    (
        ("Οικονόμου", &["Oikonomou", "Economou"]),
        ("Οικονόμου", &["Oikonomou", "Economou"]),
    ),
    (("Νικολάου", &["Nikolaou"]), ("Νικολάου", &["Nikolaou"])),
    (
        ("Βασιλείου", &["Vasileiou", "Vassiliou"]),
        ("Βασιλείου", &["Vasileiou"]),
    ),
    (
        ("Χατζής", &["Chatzis", "Hatzis"]),
        ("Χατζή", &["Chatzi", "Hatzi"]),
    ),
    (
        ("Καραγιάννης", &["Karagiannis", "Karayannis"]),
        ("Καραγιάννη", &["Karagianni"]),
    ),
    (("Αντωνίου", &["Antoniou"]), ("Αντωνίου", &["Antoniou"])),
    (
        ("Ευαγγέλου", &["Evangelou", "Evaggelou"]),
        ("Ευαγγέλου", &["Evangelou"]),
    ),
];

pub(super) const GR_GIVEN_F: &[Written] = &[
    ("Μαρία", &["Maria"]),
    ("Ελένη", &["Eleni", "Helen"]),
    ("Αικατερίνη", &["Aikaterini", "Ekaterini"]),
    ("Βασιλική", &["Vasiliki", "Vassiliki"]),
    ("Σοφία", &["Sofia", "Sophia"]),
    ("Αναστασία", &["Anastasia"]),
    ("Δήμητρα", &["Dimitra"]),
    ("Ευαγγελία", &["Evangelia", "Evaggelia"]),
];

pub(super) const GR_GIVEN_M: &[Written] = &[
    ("Γεώργιος", &["Georgios", "Giorgos", "Yiorgos"]),
    ("Ιωάννης", &["Ioannis", "Yiannis", "Giannis"]),
    ("Κωνσταντίνος", &["Konstantinos", "Constantinos", "Kostas"]),
    ("Δημήτριος", &["Dimitrios", "Dimitris"]),
    ("Νικόλαος", &["Nikolaos", "Nikos"]),
    ("Παναγιώτης", &["Panagiotis", "Panayiotis"]),
    ("Χρήστος", &["Christos", "Hristos"]),
    ("Ευάγγελος", &["Evangelos", "Evaggelos"]),
];

/// Streets and cities (name, postcode prefix) of the four countries.
pub(super) const JP_STREETS: &[&str] =
    &["本町", "栄町", "中央", "桜木町", "緑町", "旭町", "昭和町"];
pub(super) const JP_CITIES: &[(&str, &str)] = &[
    ("東京", "100"),
    ("大阪", "530"),
    ("名古屋", "450"),
    ("札幌", "060"),
    ("福岡", "810"),
    ("横浜", "220"),
];
pub(super) const KR_STREETS: &[&str] = &[
    "세종대로",
    "테헤란로",
    "강남대로",
    "중앙로",
    "해운대로",
    "을지로",
];
pub(super) const KR_CITIES: &[(&str, &str)] = &[
    ("서울", "0"),
    ("부산", "4"),
    ("인천", "2"),
    ("대구", "4"),
    ("대전", "3"),
];
pub(super) const RU_STREETS: &[&str] = &[
    "ул. Ленина",
    "ул. Гагарина",
    "Невский пр.",
    "ул. Мира",
    "ул. Пушкина",
    "Тверская ул.",
];
pub(super) const RU_CITIES: &[(&str, &str)] = &[
    ("Москва", "10"),
    ("Санкт-Петербург", "19"),
    ("Новосибирск", "63"),
    ("Екатеринбург", "62"),
    ("Казань", "42"),
];
pub(super) const GR_STREETS: &[&str] = &["Ερμού", "Σταδίου", "Πανεπιστημίου", "Αιόλου", "Εγνατία"];
pub(super) const GR_CITIES: &[(&str, &str)] = &[
    ("Αθήνα", "10"),
    ("Θεσσαλονίκη", "54"),
    ("Πάτρα", "26"),
    ("Ηράκλειο", "71"),
];

/// Japanese eras: name, first Gregorian year.
pub(super) const ERAS: &[(&str, char, i32)] = &[
    ("令和", 'R', 2019),
    ("平成", 'H', 1989),
    ("昭和", 'S', 1926),
];

/// The Hepburn spelling with macrons written as customer files do: plain
/// (`Sato`), with `ou`/`uu` (`Satou`), with `oh` (`Satoh`), or as is
/// (`Satō`), by `style` 0 to 3.
pub(super) fn hepburn(macrons: &str, style: u64) -> String {
    let mut out = String::with_capacity(macrons.len() + 2);
    for c in macrons.chars() {
        let (base, long) = match c {
            'ō' => ('o', true),
            'Ō' => ('O', true),
            'ū' => ('u', true),
            'Ū' => ('U', true),
            c => (c, false),
        };
        if c == '\'' && style != 3 {
            continue;
        }
        if !long || style == 3 {
            out.push(c);
            continue;
        }
        out.push(base);
        match style {
            1 => out.push('u'),
            2 if base.eq_ignore_ascii_case(&'o') => out.push('h'),
            _ => {}
        }
    }
    out
}
