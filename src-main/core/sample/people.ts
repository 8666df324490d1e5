/**
 * Customer demographics for the sample shop. Names, phones, emails and
 * addresses are pseudonym tokens in the importer's `field:<12 hex>` form: the
 * sample never contains anything that looks like real personal data.
 */
import { ageRanges, missingRates } from './model.ts';
import type { SegmentModel } from './model.ts';
import type { Rng } from './rng.ts';

// [city, weight]; Chinese customers' country is 'China'.
const chinaCities: readonly (readonly [string, number])[] = [
  ['上海', 10],
  ['北京', 10],
  ['广州', 7],
  ['深圳', 7],
  ['杭州', 6],
  ['成都', 6],
  ['武汉', 5],
  ['南京', 5],
  ['西安', 4],
  ['重庆', 5],
  ['苏州', 4],
  ['天津', 3],
  ['长沙', 3],
  ['郑州', 3],
  ['青岛', 3],
];
const worldCities: readonly (readonly [string, string, number])[] = [
  ['Singapore', 'Singapore', 6],
  ['Kuala Lumpur', 'Malaysia', 4],
  ['Tokyo', 'Japan', 4],
  ['Sydney', 'Australia', 3],
  ['Los Angeles', 'United States', 4],
  ['New York', 'United States', 4],
  ['London', 'United Kingdom', 3],
  ['Vancouver', 'Canada', 3],
  ['Toronto', 'Canada', 2],
  ['Paris', 'France', 2],
  ['Berlin', 'Germany', 2],
];
const chinaCityWeights = chinaCities.map((c) => c[1]);
const worldCityWeights = worldCities.map((c) => c[2]);

// Occupations by age group (index as ageGroups), Chinese and English.
const occupations: readonly { zh: readonly string[]; en: readonly string[] }[] = [
  { zh: ['学生'], en: ['Student'] },
  {
    zh: ['学生', '工程师', '设计师', '销售', '教师', '程序员', '自由职业', '公务员', '护士'],
    en: ['Student', 'Engineer', 'Designer', 'Sales', 'Teacher', 'Software Developer', 'Freelancer', 'Nurse'],
  },
  {
    zh: ['经理', '教师', '医生', '工程师', '个体经营', '会计', '公务员', '销售'],
    en: ['Manager', 'Teacher', 'Doctor', 'Engineer', 'Business Owner', 'Accountant', 'Civil Servant', 'Sales'],
  },
  { zh: ['退休', '退休', '个体经营'], en: ['Retired', 'Retired', 'Consultant'] },
];

export interface Person {
  gender: 'female' | 'male' | 'other';
  ageGroup: number;
  birthYear: number;
  city: string;
  country: string;
  /** Review and search language. */
  chinese: boolean;
  occupation: string | null;
  name: string;
  phone: string;
  email: string | null;
  address: string;
}

export function drawPerson(rng: Rng, seg: SegmentModel, asOfYear: number): Person {
  const g = rng.float();
  const gender = g < seg.otherGenderShare ? 'other' : g < seg.otherGenderShare + seg.femaleShare ? 'female' : 'male';
  const ageGroup = rng.weighted(seg.ageGroupWeights);
  const [lo, hi] = ageRanges[ageGroup] ?? [18, 34];
  const birthYear = asOfYear - (lo + rng.int(hi - lo + 1));
  const inChina = rng.chance(seg.chinaShare);
  let city: string;
  let country: string;
  if (inChina) {
    city = chinaCities[rng.weighted(chinaCityWeights)]?.[0] ?? '上海';
    country = 'China';
  } else {
    const w = worldCities[rng.weighted(worldCityWeights)] ?? ['Singapore', 'Singapore'];
    city = w[0];
    country = w[1];
  }
  // Most Chinese customers write in Chinese; a few overseas ones do too.
  const chinese = inChina ? rng.chance(0.9) : rng.chance(0.1);
  const occ = occupations[ageGroup] ?? { zh: ['学生'], en: ['Student'] };
  const occupation = rng.chance(missingRates.occupation) ? null : rng.pick(chinese ? occ.zh : occ.en);
  return {
    gender,
    ageGroup,
    birthYear,
    city,
    country,
    chinese,
    occupation,
    name: `name:${rng.hex(12)}`,
    phone: `phone:${rng.hex(12)}`,
    email: rng.chance(missingRates.email) ? null : `email:${rng.hex(12)}`,
    address: `address:${rng.hex(12)}`,
  };
}
