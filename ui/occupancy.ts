/**
 * The pre-join screen's line about who is already in the call: the count the server gives, and the
 * names on the cards that opened with the link's key (machines/link/socket.ts roomWatchActor).
 * Those with no card that opened are guests. Pure, so it is tested directly.
 */

/** At most this many names before the rest are counted ("Ada, Bob and 2 others"). */
const NAMED = 2;

/** The server's count of a room: how many are in it, of how many it takes. */
export interface Seats {
  readonly people: number;
  readonly capacity: number;
}

/** A call with no free seat: Join is refused and the screen says to wait (ui quick-lobby and Lobby, and pressJoin). */
export const isFull = (o: Seats | null | undefined): boolean => o != null && o.people >= o.capacity;

/** The pre-join screen's heading (ui quick-lobby and Lobby): a full call is not one to be ready for. */
export const lobbyHeading = (full: boolean): string => (full ? "Wait for a free seat" : "Ready to join?");

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
/** "Ada", "Ada and Bob", "Ada, Bob and Cy". */
const listed = (items: string[]) => (items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`);

/**
 * "Ada is in this call", "Ada and 1 guest are in this call", "Ada, Bob and 2 others are in this
 * call"; with no name known, how many people are there; a full call says so whoever is in it.
 */
export function occupancyText(people: number, capacity: number, names: readonly string[] = []): string {
  if (isFull({ people, capacity })) return `This call is full (${capacity} people)`;
  if (people === 0) return "No one else is here yet";
  const named = names.slice(0, people);
  if (named.length === 0) return people === 1 ? "1 person is in this call" : `${people} people are in this call`;
  const guests = people - named.length;
  const verb = people === 1 ? "is" : "are";
  // Everyone named and few enough: all their names. A guest or two with a name or two: the guests counted.
  if (guests === 0 && named.length <= NAMED + 1) return `${listed(named)} ${verb} in this call`;
  if (named.length <= NAMED) return `${listed([...named, count(guests, "guest", "guests")])} ${verb} in this call`;
  return `${listed([...named.slice(0, NAMED), count(people - NAMED, "other", "others")])} ${verb} in this call`;
}
