/** The foot of a dialog: a Close button that closes it the native way (a method="dialog" form). */
export function DialogClose() {
  return (
    <form method="dialog">
      <button type="submit" className="primary">
        Close
      </button>
    </form>
  );
}
