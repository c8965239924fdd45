// A regex look-behind is a syntax error before iOS 16.4.
export const afterYuan = /(?<=元)\d+/;
