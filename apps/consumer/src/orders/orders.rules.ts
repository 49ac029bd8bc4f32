/** Business limits of order processing; breaking one rejects the order, it is not an error. */
export const ORDER_RULES = {
  /** More distinct lines than this is rejected: such orders need a sales contact. */
  maxLinesPerOrder: 20,
} as const;
