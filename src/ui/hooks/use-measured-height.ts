import { measureElement, type DOMElement } from "ink";
import { useEffect, useRef, useState, type RefObject } from "react";

/**
 * A ref to put on a Box and the height Ink laid it out with, measured again after each render of the
 * component that calls this; `guess` stands until the first measurement.
 */
export function useMeasuredHeight<T extends number | undefined>(guess: T): [RefObject<DOMElement | null>, number | T] {
  const ref = useRef<DOMElement>(null);
  const [height, setHeight] = useState<number | T>(guess);
  useEffect(() => {
    if (!ref.current) return;
    const measured = measureElement(ref.current).height;
    if (measured !== height) setHeight(measured);
  });
  return [ref, height];
}
