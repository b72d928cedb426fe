/**
 * What the server calls on a referent besides its exposed methods. Symbols, so no client can
 * name them in a call.
 */

/** A referent closes its own resources when the last hold goes (the Pool typeid, containers). */
export const kReferentClose = Symbol('multiproc.managers.referentClose');

/** Called by the server when a client connection ends, for referents that track owners. */
export const kOwnerGone = Symbol('multiproc.managers.ownerGone');
