/** The authenticated caller of a request. */
export interface Principal {
  userId: string;
  userName: string;
  groups: string[];
  /** Holds the `*` grant. */
  admin: boolean;
}

/** Private rows are seen by their owner and by admins only. */
export function canSee(principal: Principal, row: { visibility: string; ownerId: string | null }): boolean {
  return principal.admin || row.visibility === 'public' || row.ownerId === principal.userId;
}

/** Changing a row is for its owner and admins. */
export function canChange(principal: Principal, row: { ownerId: string | null }): boolean {
  return principal.admin || (row.ownerId !== null && row.ownerId === principal.userId);
}
