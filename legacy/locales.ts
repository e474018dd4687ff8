// Names, cities, postal codes and street formats by country, so generated customers and
// addresses look like the old system's: accents, ß, CJK, apostrophes and all. The countries
// cover every tax rate of the pricing rules (US, CA, GB, DE, FR) and several 0% ones.
// E-mail domains are reserved example domains (RFC 2606), never real mail providers.
import type { Prng } from './prng';

export interface City {
  name: string;
  zip: (rng: Prng) => string;
}

export interface Locale {
  country: string;
  /** Share of customers living there (relative weight). */
  weight: number;
  givenNames: readonly string[];
  familyNames: readonly string[];
  /** CJK names are written family name first, without a space. */
  familyFirst?: boolean;
  cities: readonly City[];
  street: (rng: Prng) => string;
}

const digits = (rng: Prng, count: number) => Array.from({ length: count }, () => rng.int(0, 9)).join('');
const letter = (rng: Prng, from = 'ABCDEFGHJKLMNPRSTUVWXYZ') => rng.pick([...from]);

/** A city whose postal codes are a fixed prefix followed by random digits. */
const prefixed = (name: string, prefix: string, length: number): City => ({
  name,
  zip: (rng) => prefix + digits(rng, length - prefix.length),
});

const us = (name: string, prefix: string): City => ({
  name,
  zip: (rng) => prefix + digits(rng, 2) + (rng.chance(0.05) ? `-${digits(rng, 4)}` : ''),
});
const ca = (name: string, first: string): City => ({
  name,
  zip: (rng) => `${first}${digits(rng, 1)}${letter(rng, 'ABCEGHJKLMNPRSTVWXYZ')} ${digits(rng, 1)}${letter(rng, 'ABCEGHJKLMNPRSTVWXYZ')}${digits(rng, 1)}`,
});
const gb = (name: string, outward: string): City => ({
  name,
  zip: (rng) => `${outward} ${digits(rng, 1)}${letter(rng, 'ABDEFGHJLNPQRSTUWXYZ')}${letter(rng, 'ABDEFGHJLNPQRSTUWXYZ')}`,
});
const nl = (name: string, prefix: string): City => ({
  name,
  zip: (rng) => `${prefix}${digits(rng, 2)} ${letter(rng)}${letter(rng)}`,
});
const jp = (name: string, prefix: string): City => ({ name, zip: (rng) => `${prefix}-${digits(rng, 4)}` });

const numbered = (streets: readonly string[], numberFirst: boolean) => (rng: Prng) => {
  const street = rng.pick(streets);
  const number = String(rng.int(1, numberFirst ? 9999 : 180));
  return numberFirst ? `${number} ${street}` : `${street} ${number}`;
};

export const LOCALES: readonly Locale[] = [
  {
    country: 'US',
    weight: 44,
    givenNames: ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'Aaliyah', 'Jamal', 'Mei', 'Carlos', 'Zoë', 'DeShawn'],
    familyNames: ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', "O'Brien", "O'Connor", 'Nguyen', 'Kim', 'Patel', 'Washington', 'Peña'],
    cities: [us('New York', '100'), us('Austin', '787'), us('Seattle', '981'), us('Chicago', '606'), us('San Francisco', '941'), us('Boston', '021'), us('Denver', '802'), us('Miami', '331'), us('Portland', '972'), us('Atlanta', '303')],
    street: (rng) => {
      const base = numbered(['Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Pine St', 'Elm St', 'Washington Blvd', 'Lakeview Rd', 'Sunset Blvd', '2nd Ave'], true)(rng);
      if (rng.chance(0.1)) return `${base} Apt ${rng.int(1, 40)}${letter(rng, 'ABCD')}`;
      if (rng.chance(0.05)) return `${base}, Suite ${rng.int(100, 999)}`;
      return base;
    },
  },
  {
    country: 'CA',
    weight: 9,
    givenNames: ['Liam', 'Olivia', 'Noah', 'Emma', 'Étienne', 'Chloé', 'Mathéo', 'Léa', 'Jacob', 'Sophie'],
    familyNames: ['Tremblay', 'Gagnon', 'Roy', 'Côté', 'Bouchard', 'Gauthier', 'Wilson', 'MacDonald', 'Lévesque', 'Singh'],
    cities: [ca('Toronto', 'M'), ca('Montréal', 'H'), ca('Vancouver', 'V'), ca('Calgary', 'T'), ca('Ottawa', 'K'), ca('Québec', 'G')],
    street: numbered(['Rue Sainte-Catherine', 'Yonge St', 'Robson St', 'Bank St', 'Rue Saint-Denis', 'Granville St'], true),
  },
  {
    country: 'GB',
    weight: 11,
    givenNames: ['Oliver', 'Amelia', 'George', 'Isla', 'Harry', 'Ava', 'Jack', 'Siobhan', 'Charlotte', 'Rhys'],
    familyNames: ['Smith', 'Jones', 'Taylor', 'Brown', 'Evans', 'Thomas', 'Roberts', 'Davies', 'ffrench', 'Ó Súilleabháin'],
    cities: [gb('London', 'SW1A'), gb('London', 'EC1A'), gb('Manchester', 'M1'), gb('Birmingham', 'B2'), gb('Edinburgh', 'EH1'), gb('Glasgow', 'G1'), gb('Leeds', 'LS1'), gb('Bristol', 'BS1')],
    street: (rng) => {
      const base = numbered(['High Street', 'Station Road', 'Church Lane', 'Baker Street', 'Victoria Road', 'Park Avenue'], true)(rng);
      return rng.chance(0.1) ? `Flat ${rng.int(1, 24)}, ${base}` : base;
    },
  },
  {
    country: 'DE',
    weight: 10,
    givenNames: ['Jürgen', 'Günther', 'Anna', 'Lukas', 'Sophie', 'Maximilian', 'Jörg', 'Käthe', 'Mia', 'Björn'],
    familyNames: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weiß', 'Meyer', 'Wagner', 'Becker', 'Groß', 'Schäfer', 'Strauß', 'Hoffmann'],
    cities: [prefixed('Berlin', '10', 5), prefixed('München', '80', 5), prefixed('Hamburg', '20', 5), prefixed('Köln', '50', 5), prefixed('Frankfurt am Main', '60', 5), prefixed('Düsseldorf', '40', 5), prefixed('Leipzig', '04', 5)],
    street: (rng) => numbered(['Hauptstraße', 'Bahnhofstraße', 'Schillerstraße', 'Goethestraße', 'Königsallee', 'Am Marktplatz', 'Lindenweg'], false)(rng) + (rng.chance(0.1) ? letter(rng, 'abc') : ''),
  },
  {
    country: 'FR',
    weight: 8,
    givenNames: ['François', 'Hélène', 'Jean-Luc', 'Amélie', 'Benoît', 'Cécile', 'Noël', 'Zoé', 'Léon', 'Inès'],
    familyNames: ['Martin', 'Bernard', 'Dubois', 'Lefèvre', 'Moreau', 'Laurent', 'Girard', 'Rousseau', 'Fontaine', "D'Arcy"],
    cities: [
      { name: 'Paris', zip: (rng) => `750${String(rng.int(1, 20)).padStart(2, '0')}` },
      prefixed('Lyon', '6900', 5),
      prefixed('Marseille', '130', 5),
      prefixed('Toulouse', '31', 5),
      prefixed('Nice', '06', 5),
      prefixed('Bordeaux', '33', 5),
    ],
    street: (rng) =>
      `${rng.int(1, 120)}${rng.chance(0.05) ? ' bis' : ''} ${rng.pick(['rue de la Paix', 'avenue des Champs-Élysées', 'boulevard Saint-Germain', 'rue du Faubourg Saint-Honoré', 'place Bellecour', 'rue de Rivoli', 'chemin des Écoliers'])}`,
  },
  {
    country: 'NL',
    weight: 3,
    givenNames: ['Daan', 'Emma', 'Sem', 'Julia', 'Lotte', 'Bram', 'Sanne', 'Thijs', 'Fenna', 'Joëlle'],
    familyNames: ['de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Visser', 'Smit', 'Meijer', "van 't Hek"],
    cities: [nl('Amsterdam', '10'), nl('Rotterdam', '30'), nl('Utrecht', '35'), nl('Den Haag', '25'), nl('Eindhoven', '56')],
    street: numbered(['Keizersgracht', 'Prinsengracht', 'Damrak', 'Coolsingel', 'Oudegracht'], false),
  },
  {
    country: 'ES',
    weight: 2,
    givenNames: ['José', 'María', 'Jesús', 'Lucía', 'Álvaro', 'Sofía', 'Martín', 'Inés', 'Íñigo', 'Nuria'],
    familyNames: ['García', 'Fernández', 'González', 'Rodríguez', 'López', 'Martínez', 'Sánchez', 'Pérez', 'Muñoz', 'Núñez'],
    cities: [prefixed('Madrid', '280', 5), prefixed('Barcelona', '080', 5), prefixed('Sevilla', '410', 5), prefixed('València', '460', 5), prefixed('Málaga', '290', 5)],
    street: (rng) => `${rng.pick(['Calle Mayor', 'Calle de Alcalá', 'Gran Vía', 'Carrer de Mallorca', 'Calle de Cervantes'])}, ${rng.int(1, 200)}`,
  },
  {
    country: 'IT',
    weight: 2,
    givenNames: ['Giuseppe', 'Maria', 'Francesco', 'Giulia', 'Alessandro', 'Chiara', 'Niccolò', 'Sofia', 'Lorenzo', 'Aurora'],
    familyNames: ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'De Luca', 'Dell’Acqua'],
    cities: [prefixed('Roma', '001', 5), prefixed('Milano', '201', 5), prefixed('Napoli', '801', 5), prefixed('Torino', '101', 5), prefixed('Firenze', '501', 5)],
    street: numbered(['Via Roma', 'Via Garibaldi', 'Via Dante Alighieri', 'Via del Corso', 'Via Giuseppe Verdi'], false),
  },
  {
    country: 'AU',
    weight: 2,
    givenNames: ['Jack', 'Charlotte', 'William', 'Olivia', 'Lachlan', 'Matilda', 'Cooper', 'Isla', 'Harrison', 'Ruby'],
    familyNames: ['Smith', 'Jones', 'Williams', 'Brown', 'Wilson', 'Taylor', 'Nguyen', 'Kelly', 'Ryan', 'Murphy'],
    cities: [prefixed('Sydney', '20', 4), prefixed('Melbourne', '30', 4), prefixed('Brisbane', '40', 4), prefixed('Perth', '60', 4), prefixed('Adelaide', '50', 4)],
    street: numbered(['George St', 'Collins St', 'Queen St', 'Hay St', 'King William St'], true),
  },
  {
    country: 'JP',
    weight: 3,
    familyFirst: true,
    givenNames: ['健', '翔太', '陽菜', '結衣', '大輔', 'さくら', '蓮', '美咲'],
    familyNames: ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村'],
    cities: [jp('東京都千代田区', '100'), jp('大阪市北区', '530'), jp('京都市中京区', '604'), jp('横浜市中区', '231'), jp('札幌市中央区', '060')],
    street: (rng) => `${rng.pick(['丸の内', '梅田', '河原町', '山下町', '大通西'])}${rng.int(1, 9)}-${rng.int(1, 30)}-${rng.int(1, 20)}`,
  },
  {
    country: 'CN',
    weight: 3,
    familyFirst: true,
    givenNames: ['伟', '芳', '娜', '敏', '静', '磊', '秀英', '建国'],
    familyNames: ['王', '李', '张', '刘', '陈', '杨', '黄', '赵'],
    cities: [prefixed('北京市', '100', 6), prefixed('上海市', '200', 6), prefixed('广州市', '510', 6), prefixed('深圳市', '518', 6), prefixed('杭州市', '310', 6)],
    street: (rng) => `${rng.pick(['长安街', '南京路', '天河路', '深南大道', '西湖路'])}${rng.int(1, 999)}号`,
  },
  {
    country: 'CH',
    weight: 2,
    givenNames: ['Luca', 'Lea', 'Noah', 'Léa', 'Nicolò', 'Jürg', 'Anaïs', 'Reto', 'Seraina', 'Mia'],
    familyNames: ['Müller', 'Meier', 'Schmid', 'Keller', 'Weber', 'Huber', 'Favre', 'Bonvin', 'Rochat', 'Gerber'],
    cities: [prefixed('Zürich', '80', 4), prefixed('Genève', '12', 4), prefixed('Basel', '40', 4), prefixed('Bern', '30', 4), prefixed('Lausanne', '10', 4)],
    street: numbered(['Bahnhofstrasse', 'Rue du Rhône', 'Freie Strasse', 'Marktgasse', 'Avenue de la Gare'], false),
  },
  {
    country: 'MX',
    weight: 1,
    givenNames: ['José', 'Guadalupe', 'Juan', 'María', 'Luis', 'Ximena', 'Ángel', 'Sofía', 'Diego', 'Valentina'],
    familyNames: ['Hernández', 'García', 'Martínez', 'López', 'González', 'Pérez', 'Rodríguez', 'Sánchez', 'Ramírez', 'Cruz'],
    cities: [prefixed('Ciudad de México', '0', 5), prefixed('Guadalajara', '44', 5), prefixed('Monterrey', '64', 5), prefixed('Puebla', '72', 5), prefixed('Mérida', '97', 5)],
    street: numbered(['Av. Insurgentes Sur', 'Calle Morelos', 'Av. Juárez', 'Paseo de la Reforma', 'Calle Hidalgo'], false),
  },
];

/** Romanised CJK names, so their owners get believable e-mail addresses. */
const ROMANISED: Readonly<Record<string, string>> = {
  健: 'ken', 翔太: 'shota', 陽菜: 'hina', 結衣: 'yui', 大輔: 'daisuke', さくら: 'sakura', 蓮: 'ren', 美咲: 'misaki',
  佐藤: 'sato', 鈴木: 'suzuki', 高橋: 'takahashi', 田中: 'tanaka', 伊藤: 'ito', 渡辺: 'watanabe', 山本: 'yamamoto', 中村: 'nakamura',
  伟: 'wei', 芳: 'fang', 娜: 'na', 敏: 'min', 静: 'jing', 磊: 'lei', 秀英: 'xiuying', 建国: 'jianguo',
  王: 'wang', 李: 'li', 张: 'zhang', 刘: 'liu', 陈: 'chen', 杨: 'yang', 黄: 'huang', 赵: 'zhao',
};

const FOLDED: Readonly<Record<string, string>> = { ß: 'ss', æ: 'ae', ø: 'o', đ: 'd', ł: 'l', œ: 'oe' };

/** ASCII letters and digits of a name for an e-mail local part: 'Jürgen' -> 'jurgen', 'Weiß' -> 'weiss'. */
export function emailWord(name: string): string {
  const romanised = ROMANISED[name] ?? name;
  return romanised
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[ßæøđłœ]/g, (ch) => FOLDED[ch])
    .replace(/[^a-z0-9]/g, '');
}

export const EMAIL_DOMAINS: readonly string[] = ['example.com', 'example.net', 'example.org', 'mail.example', 'post.example', 'inbox.example'];

/** Some customers are businesses; the old system kept them in the same table. */
export const COMPANY_FORMS: Readonly<Record<string, readonly string[]>> = {
  US: ['Supply Co.', 'LLC', 'Inc.'],
  CA: ['Ltd.', 'Inc.', 'Ltée'],
  GB: ['Ltd', 'PLC', '& Sons'],
  DE: ['GmbH', '& Söhne KG', 'AG'],
  FR: ['SARL', 'SA', '& Fils'],
  NL: ['B.V.', 'N.V.'],
  ES: ['S.L.', 'S.A.'],
  IT: ['S.r.l.', 'S.p.A.'],
  AU: ['Pty Ltd'],
  JP: ['株式会社'],
  CN: ['有限公司'],
  CH: ['AG', 'GmbH', 'Sàrl'],
  MX: ['S.A. de C.V.'],
};

/** Emoji people put into display names; several outside the BMP (UTF-16 surrogate pairs). */
export const NAME_EMOJI: readonly string[] = ['🌸', '🚀', '😀', '🎸', '☕', '🐶', '🇩🇪', '👩‍💻'];
