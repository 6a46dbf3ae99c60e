/** Name material for the generated company: deliberately international (accents, CJK, apostrophes, ß, Ø). */
export const GIVEN_NAMES = [
  'Amy', 'Bill', 'Carmen', 'Dominique', 'Élodie', 'François', 'Grace', 'Hiroshi', 'Ingrid', 'José',
  'Kenji', 'Łukasz', 'María', 'Nuño', 'Oğuz', 'Priya', 'Quinn', 'Renée', 'Søren', 'Tomás',
  'Uwe', 'Václav', 'Wei', 'Xochitl', 'Yusuf', 'Zoë', 'Ana', 'Björn', 'Chloé', 'Dmitri',
  'Emily', 'Fatima', 'Giulia', 'Hannah', 'Iñaki', 'Jürgen', 'Kofi', 'Leilani', 'Mateo', 'Noémie',
  '美咲', '健太', 'Ngọc', 'Åsa', 'Sean', "D'Andre", 'Olga', 'Rahul', 'Siobhán', 'Thabo',
];

export const FAMILY_NAMES = [
  'Anderson', 'Bélanger', 'Chen', 'Dubois', 'Eriksson', 'Fernández', 'García', 'Hernández', 'Ivanova', 'Jensen',
  'Kowalski', 'López', 'Müller', 'Nguyễn', "O'Brien", 'Pérez', 'Quiñones', 'Rossi', 'Schröder', 'Tanaka',
  'Ünal', 'Vasquez', 'Weiß', 'Xu', 'Yamamoto', 'Zieliński', 'Ødegaard', 'Smith', 'Johnson', 'Williams',
  'Brown', 'Davis', 'Martin', 'Lefèvre', 'Novák', 'Papadopoulos', 'Kim', 'Park', '山田', '佐藤',
  'Ó Súilleabháin', 'MacDonald', 'St. John', 'van der Berg', 'da Silva', 'Đorđević', 'Çelik', 'Gonçalves',
];

export const COMPANY_WORDS = [
  'Amy’s Bird Sanctuary', 'Bloom', 'Cedar', 'Diego’s Road Warrior', 'Evergreen', 'Fjord', 'Golden Gate', 'Harbor',
  'Iris', 'Juniper', 'Kodiak', 'Lumière', 'Maple', 'Northwind', 'Olympia', 'Pacific', 'Quartz', 'Redwood',
  'Sequoia', 'Tahoe', 'Umbra', 'Vista', 'Willow', 'Xeriscape', 'Yosemite', 'Zenith', 'Café Olé', 'Über',
  'Sakura 桜', 'Mañana', 'Nordlys', 'Brücke', 'Château', 'Smørrebrød', 'Alpenglühen', 'Ivy & Oak',
];

export const COMPANY_KINDS = [
  'Landscaping', 'Plumbing', 'Bakery', 'Consulting', 'Design Studio', 'Pool Supplies', 'Dental', 'Builders',
  'Imports', 'Catering', 'Auto Repair', 'Yoga', 'Law Group', 'Architects', 'Florist', 'Roofing', 'Coffee',
  'Electric', 'Veterinary', 'Printing',
];

export const COMPANY_SUFFIXES = ['', '', ' Inc.', ' LLC', ' Co.', ' & Sons', ' GmbH', ' S.A.', ' Ltd.', ' K.K.'];

export const JOB_NAMES = [
  'Kitchen remodel', 'Backyard', 'Office fit-out', 'Phase 2', 'Annual maintenance', 'Pool repair', 'Roof',
  'Façade', 'Warehouse', 'Déménagement', 'Website', 'Spring event', 'Garden 庭', 'Bathroom', 'Garage',
];

export const CITIES: ReadonlyArray<readonly [string, string, string]> = [
  ['San José', 'CA', '95112'], ['Bayshore', 'CA', '94326'], ['Half Moon Bay', 'CA', '94213'],
  ['Sunnyvale', 'CA', '94086'], ['Middlefield', 'CA', '94303'], ['Portland', 'OR', '97205'],
  ['Seattle', 'WA', '98101'], ['Tucson', 'AZ', '85719'], ['Reno', 'NV', '89501'], ['Boise', 'ID', '83702'],
  ['Cañon City', 'CO', '81212'], ['Española', 'NM', '87532'],
];

export const STREETS = ['Main St', 'El Camino Real', 'Ocean Ave', 'Rue de la Paix', 'Market St', 'Calle Ñandú', 'Oak Blvd'];

export const ITEM_NOUNS = [
  'Design', 'Installation', 'Consultation', 'Maintenance', 'Rock Fountain', 'Sprinkler Heads', 'Pump',
  'Garden Hose', 'Pavers', 'Lighting', 'Trimming', 'Soil', 'Hours', 'Gardening', 'Pest Control', 'Concrete',
  'Café Table', 'Façade Cleaning', 'Übersetzung', 'Jardinería', 'Sod', 'Mulch', 'Fertilizer', 'Windows',
];

export const ITEM_ADJECTIVES = [
  '', 'Premium ', 'Custom ', 'Deluxe ', 'Basic ', 'Organic ', 'Commercial ', 'Résidentiel ', 'Emergency ', 'Seasonal ',
];

export const INCOME_ACCOUNTS: ReadonlyArray<readonly [string, string]> = [
  ['79', 'Sales of Product Income'], ['82', 'Landscaping Services'], ['85', 'Services'], ['45', 'Design income'],
];

export const EXPENSE_ACCOUNTS: ReadonlyArray<readonly [string, string]> = [
  ['80', 'Cost of Goods Sold'], ['60', 'Supplies & Materials'],
];
