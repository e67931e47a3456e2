/** The one msgpack encoder every message of the wire goes through: plain maps and arrays, no extensions. */
import { Packr } from "msgpackr";

export const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, structuredClone: false });
