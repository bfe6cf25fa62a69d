/**
 * The small synthetic world the task suite talks about. The vocabulary is deliberately tiny (a few
 * dozen words) so that a transformer trained from scratch on two CPU cores can learn it, and every
 * fact is stored here so that the gold reward can check what a response claims.
 */

export const CATEGORIES = ['animals', 'colors', 'foods', 'shapes'] as const;
export type Category = (typeof CATEGORIES)[number];

export const ANIMALS = ['cat', 'dog', 'fox', 'owl', 'cow', 'pig', 'hen', 'bee', 'frog', 'duck', 'goat', 'bear'] as const;
export const COLORS = ['red', 'blue', 'green', 'yellow', 'black', 'white', 'pink', 'brown'] as const;
export const FOODS = ['apple', 'bread', 'cake', 'rice', 'soup', 'milk', 'egg', 'pear', 'plum', 'corn'] as const;
export const SHAPES = ['circle', 'square', 'triangle', 'star', 'heart', 'oval'] as const;

export const CATEGORY_MEMBERS: Readonly<Record<Category, readonly string[]>> = {
  animals: ANIMALS,
  colors: COLORS,
  foods: FOODS,
  shapes: SHAPES,
};

/** Singular noun used when a count or list has one item ("1 animal"). */
export const CATEGORY_SINGULAR: Readonly<Record<Category, string>> = {
  animals: 'animal',
  colors: 'color',
  foods: 'food',
  shapes: 'shape',
};

export const PEOPLE = ['Ann', 'Bob', 'Cal', 'Dan', 'Eve', 'Fay', 'Gus', 'Hal', 'Ivy', 'Jo', 'Kim', 'Max'] as const;

/** Relations of the yes/no fact family: "<person> has a <animal>", "likes <color>", "eats <food>". */
export const RELATIONS = ['has', 'likes', 'eats'] as const;
export type Relation = (typeof RELATIONS)[number];
export const RELATION_OBJECTS: Readonly<Record<Relation, readonly string[]>> = {
  has: ANIMALS,
  likes: COLORS,
  eats: FOODS,
};

/** What the describe family may truthfully say about an animal. */
export interface AnimalTraits {
  size: 'small' | 'big';
  color: string;
  sound: string;
  home: string;
  food: string;
}

export const ANIMAL_TRAITS: Readonly<Record<(typeof ANIMALS)[number], AnimalTraits>> = {
  cat: { size: 'small', color: 'black', sound: 'meow', home: 'house', food: 'fish' },
  dog: { size: 'big', color: 'brown', sound: 'woof', home: 'yard', food: 'bones' },
  fox: { size: 'small', color: 'red', sound: 'yip', home: 'den', food: 'mice' },
  owl: { size: 'small', color: 'brown', sound: 'hoot', home: 'tree', food: 'mice' },
  cow: { size: 'big', color: 'white', sound: 'moo', home: 'farm', food: 'grass' },
  pig: { size: 'big', color: 'pink', sound: 'oink', home: 'farm', food: 'corn' },
  hen: { size: 'small', color: 'white', sound: 'cluck', home: 'coop', food: 'seeds' },
  bee: { size: 'small', color: 'yellow', sound: 'buzz', home: 'hive', food: 'nectar' },
  frog: { size: 'small', color: 'green', sound: 'croak', home: 'pond', food: 'flies' },
  duck: { size: 'small', color: 'white', sound: 'quack', home: 'pond', food: 'seeds' },
  goat: { size: 'big', color: 'white', sound: 'bleat', home: 'hill', food: 'grass' },
  bear: { size: 'big', color: 'brown', sound: 'growl', home: 'cave', food: 'honey' },
};

/** Traits a describe prompt may ask for by name. */
export const FOCUS_TRAITS = ['color', 'sound', 'home', 'food'] as const;
export type FocusTrait = (typeof FOCUS_TRAITS)[number];

/** Every word that states an animal trait; a response using one of another animal's traits is wrong. */
export function traitWords(): Set<string> {
  const out = new Set<string>();
  for (const t of Object.values(ANIMAL_TRAITS)) {
    for (const w of [t.size, t.color, t.sound, t.home, t.food]) out.add(w);
  }
  return out;
}

export const NUMBER_WORDS = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty',
] as const;

/** Words any answer may use without being off topic (articles, pronouns, copulas, connectives). */
export const FUNCTION_WORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'the', 'it', 'its', 'is', 'are', 'was', 'be', 'and', 'or', 'of', 'in', 'on', 'at', 'to', 'with',
  'yes', 'no', 'not', 'does', 'do', 'has', 'have', 'likes', 'like', 'eats', 'eat', 'lives', 'live', 'says', 'say',
  'there', 'this', 'that', 'these', 'they', 'he', 'she', 'answer', 'words', 'word', 'here', 'order', 'reverse',
  'equals', 'plus', 'minus', 'times',
]);
